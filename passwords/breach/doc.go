// Package breach screens passwords against a breached-password corpus, the
// Have I Been Pwned "Pwned Passwords" set or any blocklist, in two ways.
//
// # Local index
//
// Build turns the corpus into an index file, Open maps it (mmap, read-only)
// and Index.Contains answers in about a hundred nanoseconds:
//
//	st, err := breach.Build(ctx, "pwnedpasswords.txt", "sha1.bix", breach.BuildOptions{})
//	ix, err := breach.Open("sha1.bix")
//	defer ix.Close()
//	if ix.Contains(sha1sum[:]) { … }
//
// Build reads the HIBP downloader's output — one file of HASH:COUNT lines,
// or a directory of per-prefix files (00000.txt …) of SUFFIX:COUNT lines —
// or a plain list of passwords, one a line, which it hashes. The kind
// (SHA1 or NTLM) must match the corpus. The index is a binary fuse filter
// (github.com/FastFilter/xorfilter; 8-bit fingerprints ≈ 9 bits a key and
// 0.4 % false positives, or 16-bit ≈ 18 bits a key and 0.0015 %), sharded
// by the top bits of the digest so that the build holds one shard in memory
// at a time (BuildOptions.MaxShardKeys; about 560 MB at the default 2^24
// keys a shard, whatever the corpus size). Input in hash order, as the
// downloader writes it, streams straight into the shards; other input is
// scattered into per-shard temporary files first. An optional exact tier,
// the sorted first 8 bytes of every digest, confirms filter hits. The file
// has a versioned header; header and shard table carry CRC-32C checksums
// checked by Open, shard data CRCs are checked by Index.Verify.
//
// # Range API
//
// Client queries the k-anonymity range API (GET {base}/range/{5 hex},
// ?mode=ntlm for NT hashes) of the public service or a self-hosted mirror,
// with padding, bounded concurrency, retries honouring Retry-After and an
// LRU cache of ranges.
//
// Nothing in this package logs or returns a password, a digest or a range
// prefix in an error.
package breach
