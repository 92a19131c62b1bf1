// Test helper: a Go program (CGO_ENABLED=0: static, no libc, raw syscalls) that dials
// ADDR:PORT over TCP and prints "connect: ok" or the error. LD_PRELOAD tools never see it.
package main

import (
	"fmt"
	"net"
	"os"
	"time"
)

func main() {
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(os.Args[1], os.Args[2]), 5*time.Second)
	if err != nil {
		fmt.Println("connect: failed:", err)
		os.Exit(1)
	}
	conn.Close()
	fmt.Println("connect: ok")
}
