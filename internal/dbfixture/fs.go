package dbfixture

import "testing/fstest"

// FS returns a file system holding a database at name (a Domain/relative/
// path, see internal/devicepath) and, when wal is not nil, its "-wal":
// what the records readers open.
func FS(name string, main, wal []byte) fstest.MapFS {
	fsys := fstest.MapFS{name: {Data: main}}
	if wal != nil {
		fsys[name+"-wal"] = &fstest.MapFile{Data: wal}
	}
	return fsys
}
