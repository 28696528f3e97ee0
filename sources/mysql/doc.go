// Package mysql reads users out of MySQL or MariaDB as a pipeline.Source,
// two ways.
//
// Open reads ferry's own store (package sinks/mysql) back, for `ferry
// export`: users in the order they were stored (the table's AUTO_INCREMENT
// key, InnoDB's clustered order), one keyset page per batch (never OFFSET,
// never the whole table in memory), filtered by an SQL
// expression such as (*query.Query).SQL(query.MySQL, mysql.QueryColumns())
// produces, optionally only some fields and only one key range (a shard;
// Split plans them). It implements pipeline.Resumer: a checkpoint's Key is
// the last row id read. Records carry Origin{Source: URL, Index:
// n}, the URL without its password.
//
// OpenTable reads any legacy user table: a SELECT and a mapping of its
// columns to profile paths (package sources/sqltable).
//
// Both read a page again, with backoff, when the database goes away.
package mysql
