package keys

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const helperEnv = "BTSCRIPT_KEYS_DECRYPT_HELPER"

// TestDecryptHelper is the child of TestDecryptUnderMemoryCap: it loads
// the keyfile named by the environment and prints the error.
func TestDecryptHelper(t *testing.T) {
	path := os.Getenv(helperEnv)
	if path == "" {
		t.Skip("helper process only")
	}
	_, err := LoadKeyfile(path, func(string) ([]byte, error) { return []byte("pw"), nil })
	fmt.Println(err)
	os.Exit(3)
}

// TestDecryptUnderMemoryCap decrypts a coldkey in a process capped below
// what Argon2 needs: a one-line error, not the runtime's fatal
// out-of-memory stop.
func TestDecryptUnderMemoryCap(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh to set the limit")
	}
	path := filepath.Join(t.TempDir(), "coldkey")
	// The cap is checked before any derivation, so the file needs only
	// the "$NACL" form, not a real key.
	if err := os.WriteFile(path, []byte("$NACL"+strings.Repeat("x", 24+16+10)), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", "-c", `ulimit -v 1100000 && exec "$0" -test.run='^TestDecryptHelper$'`, os.Args[0])
	cmd.Env = append(os.Environ(), helperEnv+"="+path)
	out, err := cmd.CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 3 {
		t.Fatalf("exit %v, output:\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	want := "keyfile " + path + ": not enough memory to decrypt the coldkey: Argon2i as the SDK uses it needs 576 MiB, and the address-space limit (ulimit -v) leaves "
	if len(lines) != 1 || !strings.HasPrefix(lines[0], want) || !strings.HasSuffix(lines[0], " MiB") {
		t.Fatalf("output:\n%s\nwant one line starting %q", out, want)
	}
}
