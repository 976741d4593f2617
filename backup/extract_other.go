//go:build !unix

package backup

import "io/fs"

func allocated(fs.FileInfo) int64 { return -1 }

func openSink(dest string) (sink, error) { return newRootSink(dest) }

func (b *Backup) payloadSource() payloadSource { return fsSource{b} }
