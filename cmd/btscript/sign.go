package main

import (
	"fmt"
	"os"

	"github.com/btscript/btscript/bindings"
	"github.com/chzyer/readline"
)

// signOptions are the bindings' signing options from the flags: signing
// off unless --allow-sign; wallets under $BTSCRIPT_WALLET_PATH or the SDK's
// ~/.bittensor/wallets; a coldkey password from BT_COLD_PW_<NAME>, else
// asked on the terminal when stdin is one.
func signOptions(s *session) bindings.SignOptions {
	o := bindings.SignOptions{
		Allow:     s.opts.allowSign,
		DryRun:    s.opts.dryRun,
		Wallet:    s.opts.wallet,
		Hotkey:    s.opts.hotkey,
		WalletDir: getenv("BTSCRIPT_WALLET_PATH"),
		Log:       s.stderr,
	}
	if readline.IsTerminal(int(os.Stdin.Fd())) {
		o.Prompt = func(what string) ([]byte, error) {
			rl, err := readline.NewEx(&readline.Config{Stdout: os.Stderr})
			if err != nil {
				return nil, err
			}
			defer rl.Close()
			pw, err := rl.ReadPassword(fmt.Sprintf("password for %s: ", what))
			if err != nil {
				return nil, fmt.Errorf("password prompt: %w", err)
			}
			return pw, nil
		}
	}
	return o
}
