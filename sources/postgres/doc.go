// Package postgres reads users out of PostgreSQL as a pipeline.Source, two
// ways.
//
// Open reads ferry's own store (package sinks/postgres) back, for `ferry
// export`: users in user_id order, one keyset page per batch (never
// OFFSET, never the whole table in memory), filtered by an SQL expression
// such as (*query.Query).SQL(query.Postgres, postgres.QueryColumns())
// produces, optionally only some fields and only one key range (a shard;
// Split plans them). It implements pipeline.Resumer: a checkpoint's Key is
// the last user_id read. Records carry Origin{Source: URL,
// Index: n}, the URL without its password.
//
// OpenTable reads any legacy user table: a SELECT and a mapping of its
// columns to profile paths (package sources/sqltable).
//
// Both read a page again on a new connection, with backoff, when the
// database goes away.
package postgres
