package rpctest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/btscript/btscript/chain/rpc"
	"github.com/btscript/btscript/internal/rpctest"
)

func handler() *rpctest.Handler {
	return &rpctest.Handler{Methods: map[string]rpctest.Func{"echo": rpctest.Echo}}
}

func call(t *testing.T, srv *rpctest.Server, retries int) error {
	t.Helper()
	c, err := rpc.New(rpc.Config{Endpoints: []string{srv.URL()}, Retries: retries, RetryBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = c.Call(ctx, "echo", 1)
	return err
}

func TestFaults(t *testing.T) {
	tests := []struct {
		name  string
		opts  rpctest.Options
		check func(t *testing.T, err error, st rpctest.Stats)
	}{
		{"none", rpctest.Options{}, func(t *testing.T, err error, st rpctest.Stats) {
			if err != nil || st.Requests != 1 || st.ByMethod["echo"] != 1 || st.Faults() != 0 {
				t.Fatalf("err %v, stats %+v", err, st)
			}
		}},
		{"drop every request", rpctest.Options{DropEvery: 1}, func(t *testing.T, err error, st rpctest.Stats) {
			if !errors.Is(err, rpc.ErrConnectionLost) || st.Drops != 1 {
				t.Fatalf("err %v, stats %+v", err, st)
			}
		}},
		{"garbage", rpctest.Options{GarbageProbability: 1}, func(t *testing.T, err error, st rpctest.Stats) {
			if !errors.Is(err, rpc.ErrProtocol) || st.Garbage != 1 {
				t.Fatalf("err %v, stats %+v", err, st)
			}
		}},
		{"wrong id then right one", rpctest.Options{WrongIDProbability: 1}, func(t *testing.T, err error, st rpctest.Stats) {
			if err != nil || st.WrongIDs != 1 {
				t.Fatalf("err %v, stats %+v", err, st)
			}
		}},
		{"rate limit", rpctest.Options{RateLimitProbability: 1}, func(t *testing.T, err error, st rpctest.Stats) {
			var e *rpc.Error
			if !errors.As(err, &e) || !e.RateLimited() || st.RateLimits != 1 {
				t.Fatalf("err %v, stats %+v", err, st)
			}
		}},
		{"429", rpctest.Options{Reject429: 1}, func(t *testing.T, err error, st rpctest.Stats) {
			if !errors.Is(err, rpc.ErrRateLimited) || st.Rejected429 != 1 || st.ConnsOpened != 0 {
				t.Fatalf("err %v, stats %+v", err, st)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := rpctest.New(handler(), tt.opts)
			defer srv.Close()
			err := call(t, srv, -1)
			tt.check(t, err, srv.Stats())
		})
	}
}

func TestConnectionCounters(t *testing.T) {
	srv := rpctest.New(handler(), rpctest.Options{})
	defer srv.Close()
	if err := call(t, srv, -1); err != nil {
		t.Fatal(err)
	}
	for range 2000 {
		if srv.Stats().ConnsClosed == 1 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if st := srv.Stats(); st.ConnsOpened != 1 || st.ConnsClosed != 1 {
		t.Fatalf("stats %+v", st)
	}
}
