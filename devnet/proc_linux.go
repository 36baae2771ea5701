package devnet

import "syscall"

// setDeathSignal makes the kernel kill the node if this process dies
// without stopping it, so a crashed test never leaves a node behind.
func setDeathSignal(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
