package records

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/iosbackup/iosbackup/internal/dbfixture"
	"github.com/iosbackup/iosbackup/internal/devicepath"
	"github.com/iosbackup/iosbackup/internal/sqlitemem"
)

// TestMeasureNormalWorkload measures what reading a large Messages
// database needs from the SQLite bounds (the most VM instructions of one
// step, SQLite's heap high-water mark), to choose the limits in
// internal/sqlitemem with a margin. It runs only with
// IOSBACKUP_MEASURE=<doublings> (e.g. 14: about 200,000 messages).
func TestMeasureNormalWorkload(t *testing.T) {
	doublings := 0
	if v := os.Getenv("IOSBACKUP_MEASURE"); v == "" {
		t.Skip("set IOSBACKUP_MEASURE to the number of doublings")
	} else if _, err := fmt.Sscan(v, &doublings); err != nil {
		t.Fatal(err)
	}
	base, tail := fxScenario(dbfixture.SMSiOS16)
	base.Messages = append(base.Messages, tail.Messages...)
	img, err := dbfixture.SMS(dbfixture.SMSiOS16, base)
	if err != nil {
		t.Fatal(err)
	}
	big, err := sqlitemem.BuildFrom(img, func(c *sql.Conn) error {
		ctx := context.Background()
		var cols []string
		rows, err := c.QueryContext(ctx, "SELECT name FROM pragma_table_info('message') WHERE name NOT IN ('ROWID')")
		if err != nil {
			return err
		}
		for rows.Next() {
			var n string
			rows.Scan(&n)
			cols = append(cols, n)
		}
		rows.Close()
		exprs := append([]string(nil), cols...)
		for i, c := range exprs {
			if c == "guid" {
				exprs[i] = "hex(randomblob(16)) || ?1"
			}
		}
		sel := strings.Join(exprs, ", ")
		for range doublings {
			var maxID int64
			if err := c.QueryRowContext(ctx, "SELECT max(ROWID) FROM message").Scan(&maxID); err != nil {
				return err
			}
			if _, err := c.ExecContext(ctx, "INSERT INTO message ("+strings.Join(cols, ", ")+") SELECT "+sel+" FROM message ORDER BY ROWID", ""); err != nil {
				return err
			}
			if _, err := c.ExecContext(ctx, "INSERT OR IGNORE INTO chat_message_join (chat_id, message_id) SELECT chat_id, message_id + ? FROM chat_message_join", maxID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sqlitemem.Peaks(true)
	start := time.Now()
	db, err := OpenMessages(dbfixture.FS(devicepath.SMS, big, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n := 0
	for _, err := range db.Messages(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	ops, heap := sqlitemem.Peaks(false)
	t.Logf("%d messages, image %d bytes: peak step %d VM instructions (budget %d), SQLite heap high-water %d bytes, %v",
		n, len(big), ops, sqlitemem.StepOpsBase+sqlitemem.StepOpsPerByte*int64(len(big)), heap, time.Since(start).Round(time.Millisecond))
}
