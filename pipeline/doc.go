// Package pipeline holds ferry's engine: the Record and Batch that flow
// through every job, the Source, Stage and Sink contracts, the runner (one
// reader, N workers, one writer restoring source order, bounded channels),
// checkpoints, reject files and the run summary.
//
// The law of conservation holds for every batch and every run:
// read = written + rejected + filtered. The runner checks it after each
// stage and fails the run when a stage or sink loses a record.
//
// pipeline imports only profile; formats, sources and sinks plug into it.
package pipeline
