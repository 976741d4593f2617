package export

import "github.com/iosbackup/iosbackup/records"

// jsonRecovery is records.Recovery with its date in the export's format.
type jsonRecovery struct {
	Source     string    `json:"source"`
	Database   string    `json:"database"`
	Table      string    `json:"table"`
	Page       uint32    `json:"page,omitempty"`
	Offset     int       `json:"offset,omitempty"`
	Frame      int       `json:"frame,omitempty"`
	FileOffset int64     `json:"file_offset,omitempty"`
	Complete   bool      `json:"complete"`
	Missing    []string  `json:"missing,omitempty"`
	HistoryOf  *int64    `json:"history_of,omitempty"`
	DeletedAt  *jsonTime `json:"deleted_at,omitempty"`
	Copies     int       `json:"copies,omitempty"`
}

func newJSONRecovery(r *records.Recovery) *jsonRecovery {
	if r == nil {
		return nil
	}
	return &jsonRecovery{Source: string(r.Source), Database: r.Database, Table: r.Table, Page: r.Page, Offset: r.Offset,
		Frame: r.Frame, FileOffset: r.FileOffset, Complete: r.Complete, Missing: r.Missing, HistoryOf: r.HistoryOf,
		DeletedAt: optTime(r.DeletedAt), Copies: r.Copies}
}
