// Package memory is the in-memory reference sink: it keeps the latest
// version of each record by key (user_id, else email), commits each batch
// and its checkpoint atomically, and is the first sink the conformance
// suite in fixtures/sinktest runs against. Tests and dry runs use it; it
// keeps unknown attributes in the records as they came.
package memory
