module github.com/btscript/btscript

go 1.26.0

require (
	github.com/cespare/xxhash/v2 v2.3.0
	github.com/chzyer/readline v1.5.1
	github.com/gorilla/websocket v1.5.3
	github.com/yuin/gopher-lua v1.1.2
	golang.org/x/crypto v0.59.0
)

require golang.org/x/sys v0.50.0 // indirect

replace github.com/yuin/gopher-lua => ./third_party/gopher-lua
