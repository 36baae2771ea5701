//go:build unix && !linux

package devnet

import "syscall"

func setDeathSignal(*syscall.SysProcAttr) {}
