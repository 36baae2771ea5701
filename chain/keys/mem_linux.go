package keys

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// addressSpaceLeft reports how much more address space the process may
// map under its RLIMIT_AS (ulimit -v), when it is limited.
func addressSpaceLeft() (left uint64, limited bool) {
	var rl syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_AS, &rl) != nil || rl.Cur == ^uint64(0) {
		return 0, false
	}
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0, false
	}
	pages, err := strconv.ParseUint(f[0], 10, 64)
	if err != nil {
		return 0, false
	}
	used := pages * uint64(os.Getpagesize())
	if used >= rl.Cur {
		return 0, true
	}
	return rl.Cur - used, true
}
