package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/iosbackup/iosbackup/internal/termsafe"
	"github.com/iosbackup/iosbackup/records"
)

// benchMessages returns n messages shaped like those of the records
// benchmark database (a chat, a sender, two dates, every 10th with an
// attachment, every 25th a tapback).
func benchMessages(n int) []*records.Message {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]*records.Message, n)
	for i := range out {
		d, r := t0.Add(time.Duration(i)*time.Minute), t0.Add(time.Duration(i)*time.Minute+time.Second)
		m := &records.Message{RowID: int64(i), GUID: fmt.Sprintf("BENCH-%08d", i), Chat: "+15550000001",
			ChatGUID: "iMessage;-;+15550000001", Service: "iMessage", Date: &d, DateRead: &r,
			Sender: ptr("+15550000001"), IsRead: true, Attachments: []records.Attachment{},
			Text: fmt.Sprintf("Message number %d, with a little more text to look like a real one.", i)}
		if i%10 == 0 {
			m.Attachments = []records.Attachment{{GUID: "ATT", Name: "IMG_0001.JPG", MIME: "image/jpeg", UTI: "public.jpeg",
				Size: 100000, Created: &d, Domain: "MediaDomain", Path: "Library/SMS/Attachments/00/00/ATT/IMG_0001.JPG",
				Filename: "~/Library/SMS/Attachments/00/00/ATT/IMG_0001.JPG"}}
		}
		if i%25 == 0 {
			m.Reaction = &records.Reaction{Type: "love", Target: "BENCH-1"}
		}
		out[i] = m
	}
	return out
}

// BenchmarkJSONLMessagesViews: JSON Lines of 20,000 messages held in memory
// (in process, no database), with the record types' encoder and with the
// encoding/json views the export used before.
func BenchmarkJSONLMessagesViews(b *testing.B) {
	msgs := benchMessages(20000)
	b.Run("AppendJSON", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := JSONL(io.Discard, seqOf(msgs...)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(msgs)), "ns/msg")
	})
	b.Run("encoding-json-views", func(b *testing.B) {
		b.ReportAllocs()
		// The loop JSONL ran before: one Encoder over a reused buffer.
		var line bytes.Buffer
		enc := json.NewEncoder(&line)
		enc.SetEscapeHTML(false)
		for b.Loop() {
			for _, m := range msgs {
				line.Reset()
				if err := enc.Encode(jsonView(m)); err != nil {
					b.Fatal(err)
				}
				io.Discard.Write(termsafe.EscapeJSON(line.Bytes()))
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(msgs)), "ns/msg")
	})
}
