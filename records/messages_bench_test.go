package records

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/iosbackup/iosbackup/internal/dbfixture"
	"github.com/iosbackup/iosbackup/internal/devicepath"
)

var benchDBs sync.Map // size -> []byte

// benchSMS builds (once per size) an iOS 18 sms.db with n messages: text
// NULL with a typedstream body, every 10th message with an attachment,
// every 25th a reaction, 40 handles and 12 chats (4 groups).
func benchSMS(b testing.TB, n int) []byte { return benchSMSIndexed(b, n, true) }

// benchSMSIndexed is benchSMS with or without the iOS secondary indexes.
func benchSMSIndexed(b testing.TB, n int, indexes bool) []byte {
	key := fmt.Sprint(n, indexes)
	if v, ok := benchDBs.Load(key); ok {
		return v.([]byte)
	}
	var d dbfixture.SMSData
	for i := 1; i <= 40; i++ {
		d.Handles = append(d.Handles, dbfixture.SMSHandle{RowID: int64(i), ID: fmt.Sprintf("+1555%07d", i)})
	}
	for i := 1; i <= 12; i++ {
		c := dbfixture.SMSChat{RowID: int64(i), Service: "iMessage"}
		if i <= 4 {
			c.GUID, c.Identifier, c.DisplayName, c.Group = fmt.Sprintf("iMessage;+;chat%d", i), fmt.Sprintf("chat%d", i), fmt.Sprintf("Group %d", i), true
			c.Handles = []int64{int64(i), int64(i + 10), int64(i + 20)}
		} else {
			c.GUID, c.Identifier = "iMessage;-;"+d.Handles[i].ID, d.Handles[i].ID
			c.Handles = []int64{int64(i + 1)}
		}
		d.Chats = append(d.Chats, c)
	}
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 1; i <= n; i++ {
		chat := int64(i%12 + 1)
		m := dbfixture.SMSMessage{
			RowID: int64(i), GUID: fmt.Sprintf("BENCH-%08d", i), Service: "iMessage",
			Text:   fmt.Sprintf("Message number %d, with a little more text to look like a real one.", i),
			Handle: int64(i%40 + 1), FromMe: i%3 == 0, Date: t0.Add(time.Duration(i) * time.Minute),
			DateRead: t0.Add(time.Duration(i)*time.Minute + time.Second), IsRead: true, Chats: []int64{chat},
		}
		if i%10 == 0 {
			a := int64(len(d.Attachments) + 1)
			d.Attachments = append(d.Attachments, dbfixture.SMSAttachment{
				RowID: a, GUID: fmt.Sprintf("ATT-%08d", a), MIME: "image/jpeg", UTI: "public.jpeg",
				Filename:     fmt.Sprintf("~/Library/SMS/Attachments/%02x/%02d/ATT-%08d/IMG_%04d.JPG", a%256, a%100, a, a%10000),
				TransferName: fmt.Sprintf("IMG_%04d.JPG", a%10000), Size: 100000 + a, Created: m.Date,
			})
			m.Attachments = []int64{a}
			m.Text = "\uFFFC" + m.Text
		}
		if i%25 == 0 {
			m.AssociatedGUID, m.AssociatedType = fmt.Sprintf("p:0/BENCH-%08d", i-1), 2000
		}
		d.Messages = append(d.Messages, m)
	}
	d.NoIndexes = !indexes
	img, err := dbfixture.SMS(dbfixture.SMSiOS18, d)
	if err != nil {
		b.Fatal(err)
	}
	benchDBs.Store(key, img)
	return img
}

// TestWriteBenchDatabases writes the benchmark databases (2k, 20k, 200k
// messages, with and without the iOS indexes) to $IOSBACKUP_BENCH_OUT,
// for whole-process measurements (BENCHMARKS.md); skipped otherwise.
func TestWriteBenchDatabases(t *testing.T) {
	dir := os.Getenv("IOSBACKUP_BENCH_OUT")
	if dir == "" {
		t.Skip("IOSBACKUP_BENCH_OUT not set")
	}
	for _, n := range []int{2000, 20000, 200000} {
		for _, idx := range []bool{true, false} {
			name := fmt.Sprintf("sms-%d.db", n)
			if !idx {
				name = fmt.Sprintf("sms-%d-noindex.db", n)
			}
			if err := os.WriteFile(filepath.Join(dir, name), benchSMSIndexed(t, n, idx), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func benchExport(b *testing.B, n int) {
	img := benchSMS(b, n)
	db, err := OpenMessages(dbfixture.FS(devicepath.SMS, img, nil))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	b.SetBytes(int64(len(img)))
	b.ReportAllocs()
	var ms runtime.MemStats
	var peak uint64
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	b.ResetTimer()
	for b.Loop() {
		// A fresh view per iteration so that the attachment preload is timed.
		v := db.WithFiles(nil)
		enc := json.NewEncoder(io.Discard)
		count := 0
		for m, err := range v.Messages(context.Background()) {
			if err != nil {
				b.Fatal(err)
			}
			if err := enc.Encode(m); err != nil {
				b.Fatal(err)
			}
			count++
			if count%(n/4) == 0 {
				// Live heap (after a collection, outside the timing).
				b.StopTimer()
				runtime.GC()
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapAlloc)
				b.StartTimer()
			}
		}
		if count != n {
			b.Fatalf("%d messages, want %d", count, n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/msg")
	// Live Go heap while streaming, above what it was before: flat in the
	// message count when the reader streams (the database image lives
	// outside the Go heap).
	b.ReportMetric(float64(peak-min(peak, base))/(1<<20), "live-heap-MB")
}

// BenchmarkMessages streams a 20,000-message database to JSON Lines.
func BenchmarkMessages(b *testing.B) { benchExport(b, 20000) }

// BenchmarkMessagesSized shows how the cost grows with the database size.
func BenchmarkMessagesSized(b *testing.B) {
	for _, n := range []int{2000, 20000, 200000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			if n > 20000 && testing.Short() {
				b.Skip("large database skipped in -short mode")
			}
			benchExport(b, n)
		})
	}
}

// BenchmarkMessagesWithOpen includes opening the database image, as a
// user's run does.
func BenchmarkMessagesWithOpen(b *testing.B) {
	img := benchSMS(b, 20000)
	b.SetBytes(int64(len(img)))
	for b.Loop() {
		db, err := OpenMessages(dbfixture.FS(devicepath.SMS, img, nil))
		if err != nil {
			b.Fatal(err)
		}
		enc := json.NewEncoder(io.Discard)
		for m, err := range db.Messages(context.Background()) {
			if err != nil {
				b.Fatal(err)
			}
			enc.Encode(m)
		}
		db.Close()
	}
}

// BenchmarkSQLiteJSONReference is the reference of the messages target:
// the sqlite3 shell dumping the same rows joined with their handles and
// chats as JSON (skipped when the sqlite3 shell is not installed).
func BenchmarkSQLiteJSONReference(b *testing.B) {
	for _, n := range []int{2000, 20000, 200000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			if n > 20000 && testing.Short() {
				b.Skip("large database skipped in -short mode")
			}
			sqliteJSON(b, n)
		})
	}
}

func sqliteJSON(b *testing.B, n int) {
	sqlite, err := exec.LookPath("sqlite3")
	if err != nil {
		b.Skip("sqlite3 shell not installed")
	}
	img := benchSMS(b, n)
	path := filepath.Join(b.TempDir(), "sms.db")
	if err := os.WriteFile(path, img, 0o600); err != nil {
		b.Fatal(err)
	}
	const q = `SELECT m.ROWID, m.guid, m.text, m.attributedBody, m.service, m.date, m.date_read, m.date_delivered, m.is_from_me,
	  m.associated_message_guid, m.associated_message_type, m.thread_originator_guid, m.date_edited, m.message_summary_info,
	  h.id AS sender, c.chat_identifier, c.display_name,
	  (SELECT json_group_array(json_object('name', a.transfer_name, 'mime', a.mime_type, 'size', a.total_bytes, 'filename', a.filename))
	     FROM message_attachment_join j JOIN attachment a ON a.ROWID = j.attachment_id WHERE j.message_id = m.ROWID) AS attachments
	FROM message m LEFT JOIN handle h ON h.ROWID = m.handle_id
	LEFT JOIN chat_message_join cmj ON cmj.message_id = m.ROWID LEFT JOIN chat c ON c.ROWID = cmj.chat_id
	ORDER BY m.date, m.ROWID`
	b.SetBytes(int64(len(img)))
	for b.Loop() {
		cmd := exec.Command(sqlite, "-readonly", "-json", path, q)
		cmd.Stdout = io.Discard
		if err := cmd.Run(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/msg")
}
