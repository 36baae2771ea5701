package record_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/btscript/btscript/chain/record"
	"github.com/btscript/btscript/chain/rpc"
	"github.com/btscript/btscript/internal/testdata"
)

// serve runs a recording as a websocket node on 127.0.0.1 and returns a
// client connected to it.
func serve(t *testing.T, b *record.Book) *rpc.Client {
	t.Helper()
	srv := rpc.NewServer(record.Handler{Book: b})
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { srv.Close(); ts.Close() })
	c, err := rpc.New(rpc.Config{Endpoints: []string{"ws" + strings.TrimPrefix(ts.URL, "http")}, Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestServeSDKRecording(t *testing.T) {
	path := testdata.Path(t, testdata.RecordedRPC)
	b, err := record.Load(path, "metagraph", filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	c := serve(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var hash string
	if err := c.CallResult(ctx, &hash, "chain_getBlockHash", 6852690); err != nil {
		t.Fatal(err)
	}
	if hash != "0xdb13c066e2c63969f140164fb3bfe7a0aaa7b71407fc0fe525d68e57329ef9d0" {
		t.Fatalf("block hash = %s", hash)
	}
	var header struct{ Number string }
	if err := c.CallResult(ctx, &header, "chain_getHeader", hash); err != nil {
		t.Fatal(err)
	}
	if header.Number != "0x689052" { // 6852690
		t.Fatalf("header number = %s", header.Number)
	}
	_, err = c.Call(ctx, "system_health")
	var rpcErr *rpc.Error
	if !errors.As(err, &rpcErr) || rpcErr.Code != rpc.CodeMethodNotFound || !strings.Contains(rpcErr.Message, "system_health") {
		t.Fatalf("unrecorded call: err = %v", err)
	}
}

func TestRecordThenReplay(t *testing.T) {
	var live record.Recorder
	live.Add("chain_getHead", nil, json.RawMessage(`"0xabc"`), nil)
	live.Add("state_getStorage", []any{"0x01", "0xabc"}, json.RawMessage(`"0x2a"`), nil)
	live.Add("chain_subscribeNewHeads", nil, json.RawMessage(`"s"`), nil)
	live.Notify("chain_subscribeNewHeads", json.RawMessage(`"s"`), json.RawMessage(`{"number":"0x5"}`))
	node := serve(t, record.NewBook(live.File().Exchanges))

	// Record a session against the served node, through the Recording transport.
	var rec record.Recorder
	tr := record.NewRecording(node, &rec)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	head, err := tr.Call(ctx, "chain_getHead")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Call(ctx, "state_getStorage", "0x01", "0xabc"); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Call(ctx, "author_rotateKeys"); err == nil {
		t.Fatal("unrecorded method answered")
	}
	sub, err := tr.Subscribe(ctx, "chain_subscribeNewHeads", "chain_unsubscribeNewHeads")
	if err != nil {
		t.Fatal(err)
	}
	select {
	case n := <-sub.C():
		if string(n) != `{"number":"0x5"}` {
			t.Fatalf("notification = %s", n)
		}
	case <-ctx.Done():
		t.Fatal("no notification")
	}
	sub.Unsubscribe()

	// Replay what was recorded, with no network.
	rep := record.NewReplayer(record.NewBook(rec.File().Exchanges))
	got, err := rep.Call(ctx, "chain_getHead")
	if err != nil || string(got) != string(head) {
		t.Fatalf("replayed head = %s, %v; recorded %s", got, err, head)
	}
	got, err = rep.Call(ctx, "state_getStorage", "0x01", "0xabc")
	if err != nil || string(got) != `"0x2a"` {
		t.Fatalf("replayed storage = %s, %v", got, err)
	}
	var rpcErr *rpc.Error
	if _, err := rep.Call(ctx, "author_rotateKeys"); !errors.As(err, &rpcErr) {
		t.Fatalf("recorded node error replayed as %v", err)
	}
	if _, err := rep.Call(ctx, "state_getStorage", "0x02", "0xabc"); !errors.Is(err, record.ErrNotRecorded) || !strings.Contains(err.Error(), `"0x02"`) {
		t.Fatalf("unrecorded read: err = %v", err)
	}
	rsub, err := rep.Subscribe(ctx, "chain_subscribeNewHeads", "chain_unsubscribeNewHeads")
	if err != nil {
		t.Fatal(err)
	}
	var notes []string
	for n := range rsub.C() {
		notes = append(notes, string(n))
	}
	if len(notes) != 1 || notes[0] != `{"number":"0x5"}` || rsub.Err() == nil {
		t.Fatalf("replayed notifications = %v, end = %v", notes, rsub.Err())
	}
	rep.Close()
	if _, err := rep.Call(ctx, "chain_getHead"); !errors.Is(err, rpc.ErrClosed) {
		t.Fatalf("call after Close: %v", err)
	}
}
