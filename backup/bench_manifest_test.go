package backup

import (
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/iosbackup/iosbackup/internal/backuptest"
)

var manifestBench struct {
	sync.Mutex
	dirs map[int]string
	kek  map[int][]byte
}

// manifestBackup writes (once per size) an encrypted iOS 10.2+ backup whose
// Manifest.db lists n files (no payloads: only the manifest is measured).
func manifestBackup(b *testing.B, n int) (string, []byte) {
	manifestBench.Lock()
	defer manifestBench.Unlock()
	if manifestBench.dirs == nil {
		manifestBench.dirs, manifestBench.kek = map[int]string{}, map[int][]byte{}
	}
	if d, ok := manifestBench.dirs[n]; ok {
		return d, manifestBench.kek[n]
	}
	blob, err := backuptest.MBFile{Size: 1234, Mode: 0o100644, ProtectionClass: 3, LastModified: time.Unix(1700000000, 0).Unix(), EncryptionKey: make([]byte, 44)}.Archive()
	if err != nil {
		b.Fatal(err)
	}
	rows := make([]backuptest.RawRow, 0, n)
	for i := range n {
		domain := fmt.Sprintf("AppDomain-com.example.app%03d", i%500)
		path := fmt.Sprintf("Library/Caches/%03d/file%07d.dat", i%97, i)
		rows = append(rows, backuptest.RawRow{FileID: backuptest.FileID(domain, path), Domain: domain, Path: path, Flags: 1, File: blob})
	}
	dir, err := os.MkdirTemp("", "iosbackup-manifest-bench")
	if err != nil {
		b.Fatal(err)
	}
	res, err := backuptest.Write(dir, backuptest.Options{Era: backuptest.Era10_2, Encrypted: true, Password: "bench", Raw: rows}, nil)
	if err != nil {
		b.Fatal(err)
	}
	manifestBench.dirs[n], manifestBench.kek[n] = dir, res.KEK
	return dir, res.KEK
}

// BenchmarkOpenLookup measures what a user waits for after the unlock:
// open the folder, decrypt and load Manifest.db, and look one file up.
func BenchmarkOpenLookup(b *testing.B) {
	for _, n := range []int{5000, 50000, 500000} {
		b.Run(fmt.Sprintf("files=%d", n), func(b *testing.B) {
			dir, kek := manifestBackup(b, n)
			i := n / 2
			domain := fmt.Sprintf("AppDomain-com.example.app%03d", i%500)
			path := fmt.Sprintf("Library/Caches/%03d/file%07d.dat", i%97, i)
			for b.Loop() {
				bk, err := Open(dir)
				if err != nil {
					b.Fatal(err)
				}
				if err := bk.UnlockWithKey(kek); err != nil {
					b.Fatal(err)
				}
				e, err := bk.Lookup(domain, path)
				if err != nil || e.Size != 1234 {
					b.Fatal(e, err)
				}
				bk.Close()
			}
		})
	}
}

// BenchmarkEntries iterates every entry of the manifest, decoding each
// MBFile record (what `ibackup files` and Extract do).
func BenchmarkEntries(b *testing.B) {
	for _, n := range []int{5000, 50000} {
		b.Run(fmt.Sprintf("files=%d", n), func(b *testing.B) {
			dir, kek := manifestBackup(b, n)
			bk, err := Open(dir)
			if err != nil {
				b.Fatal(err)
			}
			defer bk.Close()
			if err := bk.UnlockWithKey(kek); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				count := 0
				for e, err := range bk.Entries() {
					if err != nil || e.Err != nil {
						b.Fatal(err, e.Err)
					}
					count++
				}
				if count < n {
					b.Fatal(count)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/entry")
		})
	}
}
