package backup

// copyChunkForTest is the in-kernel copy's piece, so that a test file
// spans several copy_file_range calls.
const copyChunkForTest = copyChunk
