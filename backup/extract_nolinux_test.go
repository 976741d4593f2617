//go:build !linux

package backup

const copyChunkForTest = 1 << 20
