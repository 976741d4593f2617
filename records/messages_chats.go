package records

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ChatSummaries returns every conversation as Chats does, with the
// number of its live messages (Recently Deleted ones excepted) and the
// dates of its first and last one. It costs one pass over the messages:
// a grouped query over chat_message_join (iOS 6+), or one read of the
// messages (iOS 3-5). A message in several chats counts in each. The
// dates outside the window the database can hold (time.go) are left out
// of First and Last.
func (m *MessageDB) ChatSummaries() ([]*Chat, error) {
	chats, err := m.Chats()
	if err != nil {
		return nil, err
	}
	if m.share.madrid {
		return m.madridSummaries(chats)
	}
	if !m.has("chat_message_join", "chat_id") || !m.has("chat_message_join", "message_id") || len(chats) == 0 {
		return chats, nil
	}
	byID := map[int64]*Chat{}
	for _, c := range chats {
		byID[c.RowID] = c
	}
	// Dates in seconds since 2001 whatever the unit of each value.
	date := "NULL"
	if m.has("message", "date") {
		date = "(CASE WHEN abs(m.date) > 1e11 THEN m.date / 1e9 ELSE m.date END)"
	}
	q := "SELECT j.chat_id, COUNT(*), MIN(NULLIF(" + date + ", 0)), MAX(NULLIF(" + date + ", 0))" +
		" FROM chat_message_join j JOIN message m ON m.ROWID = j.message_id GROUP BY j.chat_id"
	rows, err := m.db.Query(q)
	if err != nil {
		return nil, fmt.Errorf("records: chat summaries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, n, first, last any
		if err := rows.Scan(&id, &n, &first, &last); err != nil {
			return nil, fmt.Errorf("records: chat summaries: %w", err)
		}
		c := byID[msgInt(id)]
		if c == nil {
			continue
		}
		c.Messages = int(msgInt(n))
		c.First = m.summaryDate(first)
		c.Last = m.summaryDate(last)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("records: chat summaries: %w", err)
	}
	return chats, nil
}

func (m *MessageDB) summaryDate(v any) *time.Time {
	f, ok := asFloat(v)
	if !ok {
		return nil
	}
	t, _ := m.limits.check("", appleTime(f))
	return t
}

// madridSummaries counts the iOS 3-5 messages per conversation; the
// service of a msg_group conversation is that of its messages ("SMS",
// "MMS", or both as "MMS/SMS").
func (m *MessageDB) madridSummaries(chats []*Chat) ([]*Chat, error) {
	byGUID := map[string]*Chat{}
	for _, c := range chats {
		byGUID[c.GUID] = c
	}
	services := map[*Chat][]string{}
	for msg, err := range m.madridMessages(context.Background(), nil) {
		if err != nil {
			return nil, err
		}
		c := byGUID[msg.ChatGUID]
		if c == nil || msg.ChatGUID == "" {
			continue
		}
		c.Messages++
		if d := msg.Date; d != nil {
			if c.First == nil || d.Before(*c.First) {
				c.First = d
			}
			if c.Last == nil || d.After(*c.Last) {
				c.Last = d
			}
		}
		if !slices.Contains(services[c], msg.Service) {
			services[c] = append(services[c], msg.Service)
		}
	}
	for _, c := range chats {
		if c.Service == "" && len(services[c]) > 0 {
			s := services[c]
			slices.Sort(s)
			c.Service = strings.Join(s, "/")
		}
	}
	return chats, nil
}
