package export

import (
	"errors"
	"iter"
	"time"
)

// seqOf yields the given records (nil ones as they are).
func seqOf[T any](recs ...*T) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		for _, r := range recs {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// withErr yields seq's records with an error inserted at position at.
func withErr[T any](seq iter.Seq2[*T, error], at int, err error) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		i := 0
		for r, e := range seq {
			if i == at {
				if !yield(nil, err) {
					return
				}
				i++
			}
			if !yield(r, e) {
				return
			}
			i++
		}
	}
}

func ptr[T any](v T) *T { return &v }

func tm(s string) *time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return &t
}

var errBadRow = errors.New("records: bad row")

// failWriter fails every write after n bytes.
type failWriter struct{ n int }

var errDiskFull = errors.New("disk full")

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		k := w.n
		w.n = 0
		return k, errDiskFull
	}
	w.n -= len(p)
	return len(p), nil
}
