package aescbc_test

import (
	"encoding/hex"
	"fmt"

	"github.com/iosbackup/iosbackup/internal/aescbc"
)

func Example() {
	// NIST SP 800-38A F.2.6, first two blocks, decrypted in two chained calls.
	key, _ := hex.DecodeString("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4")
	ct, _ := hex.DecodeString("f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d")
	d, err := aescbc.NewDecrypter(key)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer d.Close()
	iv := [16]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}
	d.CryptBlocks(ct[:16], ct[:16], &iv)
	d.CryptBlocks(ct[16:], ct[16:], &iv)
	fmt.Printf("%x\n%x\n", ct[:16], ct[16:])
	// Output:
	// 6bc1bee22e409f96e93d7e117393172a
	// ae2d8a571e03ac9c9eb76fac45af8e51
}
