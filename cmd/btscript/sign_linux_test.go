package main

import (
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/btscript/btscript/internal/testdata"
	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/nacl/secretbox"
)

// TestWalletPasswordPrompt loads an encrypted coldkey with the password
// typed at a real terminal: asked once, not echoed, and the wallet's
// address printed.
func TestWalletPasswordPrompt(t *testing.T) {
	rec := testdata.Path(t, testdata.RecordedRPC)
	dir := t.TempDir()
	// The SDK's format: "$NACL" + nonce + secretbox(JSON) under
	// Argon2i(password, NACL_SALT, 8 passes, 512 MiB, 1 lane).
	const password = "typed-at-the-terminal"
	kf, _ := json.Marshal(map[string]string{"secretSeed": "0xe5be9a5092b81bca64be81d212e7f2f9eba183bb7a90954f7b76361f6edb5c0a"})
	var key [32]byte
	copy(key[:], argon2.Key([]byte(password), []byte("\x13q\x83\xdf\xf1Z\t\xbc\x9c\x90\xb5Q\x879\xe9\xb1"), 8, 512*1024, 1, 32))
	var nonce [24]byte
	rand.Read(nonce[:])
	os.MkdirAll(filepath.Join(dir, "w1", "hotkeys"), 0o700)
	os.WriteFile(filepath.Join(dir, "w1", "coldkey"), secretbox.Seal(append([]byte("$NACL"), nonce[:]...), kf, &nonce, &key), 0o600)
	os.WriteFile(filepath.Join(dir, "w1", "hotkeys", "default"), kf, 0o600)

	cmd := child(t, "eval", "--allow-sign", "--wallet", "w1", "--replay", rec, "--replay-test", "subnetwork_n",
		"local c, h = keys.wallet() return 'cold=' .. c.address")
	cmd.Env = append(cmd.Env, "BTSCRIPT_WALLET_PATH="+dir)
	p := runOnPTY(t, cmd)
	scr := p.scr
	waitFor(t, scr, "password for keyfile "+filepath.Join(dir, "w1", "coldkey")+": ", 20*time.Second)
	p.typeKeys(t, password+"\r")
	waitFor(t, scr, "cold=5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY", 60*time.Second)
	select {
	case <-p.exited:
		if p.err != nil {
			t.Fatalf("exit: %v\n%s", p.err, scr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("still running:\n%s", scr.String())
	}
	// readline redraws the prompt on its line at each key: one line of
	// prompts means one question.
	out := scr.String()
	lines := 0
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "password for") {
			lines++
		}
	}
	if strings.Contains(out, password) || lines != 1 {
		t.Fatalf("the password was echoed or asked again (%d prompt lines):\n%s", lines, out)
	}
}
