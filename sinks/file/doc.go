// Package file writes users to a file or standard output through a
// format's encoder, compressing with gzip or zstd by extension. Output is
// written under a temporary name and renamed when the run succeeds; an
// interrupted run leaves its partial output and a checkpoint so that
// `--resume` continues it without repeating or losing a record.
//
// Unknown attributes (profile.User.Extra) are written as the format does:
// JSON formats keep them as root attributes, CSV writes them only when
// listed in --fields.
package file
