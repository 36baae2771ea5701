module github.com/btscript/btscript

go 1.26.0

require (
	github.com/ChainSafe/go-schnorrkel v1.1.0
	github.com/cespare/xxhash/v2 v2.3.0
	github.com/chzyer/readline v1.5.1
	github.com/gorilla/websocket v1.5.3
	github.com/yuin/gopher-lua v1.1.2
	golang.org/x/crypto v0.59.0
)

require (
	github.com/cosmos/go-bip39 v0.0.0-20180819234021-555e2067c45d // indirect
	github.com/gtank/merlin v0.1.1-0.20191105220539-8318aed1a79f // indirect
	github.com/gtank/ristretto255 v0.1.2 // indirect
	github.com/mimoo/StrobeGo v0.0.0-20181016162300-f8f6d4d2b643 // indirect
	golang.org/x/sys v0.50.0 // indirect
)

replace github.com/yuin/gopher-lua => ./third_party/gopher-lua
