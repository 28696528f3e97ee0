// Package input holds the buffered stream that the decoders of the text
// formats (formats/csv, formats/json and formats/ndjson) cut into chunks.
//
// A Buffer reads into arrays that grow from 128 KiB to 4 MiB as the input
// proves long. It never writes a byte again once it has handed it out with
// Take, so the decoders' chunks may alias it and be decoded concurrently
// while the reader goroutine reads on. It counts the lines and the stream
// offset of what it hands out or drops, and, when the stream can seek, it
// moves to a checkpoint's offset instead of reading up to it.
package input
