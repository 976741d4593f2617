package export

import (
	"bytes"
	"encoding/json"
	"io"
	"iter"

	"github.com/iosbackup/iosbackup/internal/termsafe"
)

// jsonAppender is what the record types of package records implement:
// their JSON form (records/json.go, docs/CLI.md) appended to a buffer.
type jsonAppender interface {
	AppendJSON(b []byte) ([]byte, error)
}

// jsonlFlush is the size at which JSONL hands its buffer to the writer.
const jsonlFlush = 256 << 10

// JSONL writes one JSON object per line for each record of seq, as
// docs/CLI.md describes.
//
// The record types (*records.Message, *records.Contact, *records.Call,
// *records.Event, *records.Reminder) are written in their JSON form, the
// one their MarshalJSON returns (records/json.go): dates RFC 3339 UTC
// with milliseconds, absent values null, lists [] when empty, HTML
// characters not escaped, and DEL, the C1 controls and the bidirectional
// controls and marks escaped as \uXXXX. Other types are encoded by
// encoding/json (HTML characters not escaped), with the same escapes.
//
// A record that cannot be encoded, a nil record and an error from seq are
// counted in Stats.Failed and skipped. The returned error joins the row
// errors and, when writing to w failed (ErrOutput), that failure; the
// export stops at the first write failure.
func JSONL[T any](w io.Writer, seq iter.Seq2[*T, error]) (Stats, error) {
	var st Stats
	buf := make([]byte, 0, jsonlFlush+16<<10)
	var line bytes.Buffer // for types other than the records'
	var enc *json.Encoder
	i := -1
	for rec, err := range seq {
		i++
		if err != nil {
			st.fail(i, err)
			continue
		}
		if rec == nil {
			st.fail(i, ErrNilRecord)
			continue
		}
		n := len(buf)
		if a, ok := any(rec).(jsonAppender); ok {
			out, err := a.AppendJSON(buf)
			if err != nil {
				buf = buf[:n]
				st.fail(i, err)
				continue
			}
			buf = append(out, '\n')
		} else {
			if enc == nil {
				enc = json.NewEncoder(&line)
				enc.SetEscapeHTML(false)
			}
			line.Reset()
			if err := enc.Encode(rec); err != nil { // Encode ends the line with \n
				st.fail(i, err)
				continue
			}
			buf = append(buf, termsafe.EscapeJSON(line.Bytes())...)
			if line.Cap() > 1<<20 { // don't keep a huge buffer after one big record
				line = bytes.Buffer{}
			}
		}
		st.Written++
		if len(buf) >= jsonlFlush {
			if _, err := w.Write(buf); err != nil {
				return st, st.result(err)
			}
			if cap(buf) > 4*jsonlFlush { // don't keep a huge buffer after one big record
				buf = make([]byte, 0, jsonlFlush+16<<10)
			}
			buf = buf[:0]
		}
	}
	if len(buf) > 0 {
		if _, err := w.Write(buf); err != nil {
			return st, st.result(err)
		}
	}
	return st, st.result(nil)
}
