// Package sqlite reads ferry's embedded store (package sinks/sqlite) back as
// a pipeline.Source, for `ferry export`: users in user_id order, one keyset
// page per batch (never OFFSET, never the whole table in memory), filtered
// by an SQL expression such as (*query.Query).SQL produces, optionally only
// some fields. It implements pipeline.Resumer: a checkpoint's Key is the
// last user_id read, so a resumed export continues with the next one.
//
// Records carry Origin{Source: "sqlite:PATH", Line: 0, Index: n}, n
// counting from 0 over the whole read (resume included). Unknown attributes
// come back in User.Extra, in the order they were stored.
package sqlite
