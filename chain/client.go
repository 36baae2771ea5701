package chain

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/btscript/btscript/chain/rpc"
	"github.com/btscript/btscript/scale"
	"golang.org/x/crypto/blake2b"
)

// Defaults for Options.
const (
	// DefaultBatchWindow is how long a batch of storage reads of one block
	// waits for one more read to share its request (a batch still arriving
	// stays open up to 8 windows). A millisecond is far below a network
	// round trip, and long enough for a gather's branches to line up.
	DefaultBatchWindow = time.Millisecond
	// DefaultBatchMax caps the keys in one state_queryStorageAt. Nodes cap
	// response sizes (10 MiB by default in Substrate); 512 values of a few
	// KiB each stay well below it.
	DefaultBatchMax = 512
	// DefaultPageSize is the keys per state_getKeysPaged page; Substrate
	// refuses more than 1000.
	DefaultPageSize = 1000
	// runtimeCacheSize bounds the block → runtime version cache. Entries
	// are tiny; a run that walks thousands of blocks reuses few.
	runtimeCacheSize = 4096
	// metadataCacheSize bounds the parsed metadata kept in memory (each a
	// few MiB); runtimes change rarely, a long walk meets a handful.
	metadataCacheSize = 8
	// headerCacheSize bounds the header cache.
	headerCacheSize = 1024
)

// Options configures a Client. The zero value is ready to use.
type Options struct {
	// CacheDir, when set, keeps downloaded metadata between runs in that
	// folder, keyed by genesis hash and runtime version. "" means no disk
	// cache: a library writes nothing unless asked to. DefaultCacheDir is
	// the folder the btscript command uses.
	CacheDir string
	// NoDiskCache turns the disk cache off even when CacheDir is set (for
	// a command whose --no-cache overrides its configured folder).
	NoDiskCache bool
	// BatchWindow is how long a batch of storage reads of one block waits
	// for one more read before it is sent as one request; 0 means
	// DefaultBatchWindow, negative turns batching off (each read is its own
	// state_getStorage).
	BatchWindow time.Duration
	// BatchMax caps the keys of one batched request; 0 means DefaultBatchMax.
	BatchMax int
	// PageSize is the keys per page of a map query; 0 means DefaultPageSize.
	PageSize int
	// WatchTimeout bounds the wait for a submitted transaction's block; 0
	// means DefaultWatchTimeout.
	WatchTimeout time.Duration
}

// Client runs queries over a transport. It is safe for concurrent use.
type Client struct {
	t    rpc.Transport
	opts Options

	runtimes   *lru[string, RuntimeVersion]
	rtFlight   flight[string, RuntimeVersion]
	metas      *lru[uint32, *scale.Metadata]
	metaFlight flight[uint32, *scale.Metadata]
	headers    *lru[string, *Header]
	hdrFlight  flight[string, *Header]

	genesisOnce sync.Once
	genesis     string
	genesisErr  error
	prefetch    sync.Once // of the genesis hash, see metadata

	// lastMeta is the metadata most recently used: the best guess for a
	// block whose runtime is not known yet (see query).
	lastMeta atomic.Pointer[scale.Metadata]

	batchMu sync.Mutex
	batches map[string]*storageBatch
	noBatch bool  // the node refused state_queryStorageAt
	burst   burst // the full batches just sent (see waits)

	metaWaitMu sync.Mutex
	metaWaits  map[string]*metaWait // see metadataThen

	nonces nonces // per-account nonces of submissions
}

// New returns a client over t. Closing the client closes t.
func New(t rpc.Transport, opts Options) *Client {
	if opts.BatchWindow == 0 {
		opts.BatchWindow = DefaultBatchWindow
	}
	if opts.BatchMax <= 0 {
		opts.BatchMax = DefaultBatchMax
	}
	if opts.PageSize <= 0 || opts.PageSize > DefaultPageSize {
		opts.PageSize = DefaultPageSize
	}
	return &Client{
		t:        t,
		opts:     opts,
		runtimes: newLRU[string, RuntimeVersion](runtimeCacheSize),
		metas:    newLRU[uint32, *scale.Metadata](metadataCacheSize),
		headers:  newLRU[string, *Header](headerCacheSize),
		batches:  make(map[string]*storageBatch),
	}
}

// Dial connects to a network name (see Networks) or ws(s):// URL, with
// fallback endpoints tried in turn, and returns a client over it once the
// node has answered (asked for its genesis hash, which the client keeps). A
// dead endpoint is an error here, within cfg.DialTimeout per endpoint and
// attempt, or sooner when ctx ends. The client reconnects by itself
// afterwards.
func Dial(ctx context.Context, network string, fallbacks []string, cfg rpc.Config, opts Options) (*Client, error) {
	c, err := DialLazy(network, fallbacks, cfg, opts)
	if err != nil {
		return nil, err
	}
	// Any answer shows the node is there, a JSON-RPC error one included
	// (a recording served as a node may not hold the genesis hash).
	var rpcErr *rpc.Error
	if _, err := c.GenesisHash(ctx); err != nil && !errors.As(err, &rpcErr) {
		c.Close()
		return nil, fmt.Errorf("dial %s: %w", network, err)
	}
	return c, nil
}

// DialLazy is Dial without connecting: the client connects on its first
// request, and a dead endpoint shows up as the error of that request. It
// suits a program that may never ask the chain anything (a CLI running a
// script that does not), and needs no context.
func DialLazy(network string, fallbacks []string, cfg rpc.Config, opts Options) (*Client, error) {
	u, err := Endpoint(network)
	if err != nil {
		return nil, err
	}
	cfg.Endpoints = append([]string{u}, cfg.Endpoints...)
	for _, f := range fallbacks {
		fu, err := Endpoint(f)
		if err != nil {
			return nil, fmt.Errorf("fallback: %w", err)
		}
		cfg.Endpoints = append(cfg.Endpoints, fu)
	}
	t, err := rpc.New(cfg)
	if err != nil {
		return nil, err
	}
	return New(t, opts), nil
}

// Transport returns the transport the client runs over.
func (c *Client) Transport() rpc.Transport { return c.t }

// Close closes the transport.
func (c *Client) Close() error {
	if c.t == nil {
		return nil
	}
	return c.t.Close()
}

// ErrNoTransport is returned by every call of a Client made with a nil
// transport: one that only decodes and converts, offline.
var ErrNoTransport = errors.New("chain: the client has no transport (chain.New was given nil)")

// call makes one request and decodes its result into out.
func (c *Client) call(ctx context.Context, out any, method string, params ...any) error {
	if c.t == nil {
		return fmt.Errorf("rpc %s: %w", method, ErrNoTransport)
	}
	raw, err := c.t.Call(ctx, method, params...)
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("rpc %s: unexpected answer %.100s: %w", method, raw, err)
	}
	return nil
}

// Head returns the hash of the best block.
func (c *Client) Head(ctx context.Context) (string, error) {
	var h string
	if err := c.call(ctx, &h, "chain_getHead"); err != nil {
		return "", fmt.Errorf("head: %w", err)
	}
	return checkHash("head", h)
}

// FinalizedHead returns the hash of the last finalized block.
func (c *Client) FinalizedHead(ctx context.Context) (string, error) {
	var h string
	if err := c.call(ctx, &h, "chain_getFinalizedHead"); err != nil {
		return "", fmt.Errorf("finalized head: %w", err)
	}
	return checkHash("finalized head", h)
}

// BlockHash returns the hash of block number n on the best chain.
func (c *Client) BlockHash(ctx context.Context, n uint64) (string, error) {
	var h *string
	if err := c.call(ctx, &h, "chain_getBlockHash", n); err != nil {
		return "", fmt.Errorf("block hash of %d: %w", n, err)
	}
	if h == nil {
		return "", fmt.Errorf("block hash of %d: the node has no block %d (not produced yet, or pruned)", n, n)
	}
	return checkHash(fmt.Sprintf("block hash of %d", n), *h)
}

// GenesisHash returns the hash of block 0, fetched once.
func (c *Client) GenesisHash(ctx context.Context) (string, error) {
	c.genesisOnce.Do(func() {
		c.genesis, c.genesisErr = c.BlockHash(ctx, 0)
	})
	return c.genesis, c.genesisErr
}

// resolve turns "" into the current head and checks a given hash.
func (c *Client) resolve(ctx context.Context, at string) (string, error) {
	if at == "" {
		return c.Head(ctx)
	}
	return checkHash("block", at)
}

// Resolve returns the block hash a query with at targets: the head for "",
// else at itself once checked.
func (c *Client) Resolve(ctx context.Context, at string) (string, error) { return c.resolve(ctx, at) }

// checkHash returns h in lower case if it is a 0x-hex 32-byte hash. It is
// on the path of every read: it allocates only to lower the case.
func checkHash(what, h string) (string, error) {
	if len(h) != 66 || !strings.HasPrefix(h, "0x") {
		return "", fmt.Errorf("%s: %q is not a 32-byte 0x-hex block hash", what, h)
	}
	upper := false
	for i := 2; i < len(h); i++ {
		switch c := h[i]; {
		case '0' <= c && c <= '9' || 'a' <= c && c <= 'f':
		case 'A' <= c && c <= 'F':
			upper = true
		default:
			return "", fmt.Errorf("%s: %q is not a 32-byte 0x-hex block hash", what, h)
		}
	}
	if upper {
		return strings.ToLower(h), nil
	}
	return h, nil
}

// Header is a block header.
type Header struct {
	Hash           string   `json:"hash"`
	ParentHash     string   `json:"parentHash"`
	Number         uint64   `json:"number"`
	StateRoot      string   `json:"stateRoot"`
	ExtrinsicsRoot string   `json:"extrinsicsRoot"`
	Digest         []string `json:"digest"`
}

type rawHeader struct {
	ParentHash     string `json:"parentHash"`
	Number         string `json:"number"`
	StateRoot      string `json:"stateRoot"`
	ExtrinsicsRoot string `json:"extrinsicsRoot"`
	Digest         struct {
		Logs []string `json:"logs"`
	} `json:"digest"`
}

func (r rawHeader) header(hash string) (*Header, error) {
	n, err := parseHexNumber(r.Number)
	if err != nil {
		return nil, fmt.Errorf("header number %q: %w", r.Number, err)
	}
	if hash == "" {
		if hash, err = r.hash(n); err != nil {
			return nil, err
		}
	}
	return &Header{Hash: hash, ParentHash: r.ParentHash, Number: n, StateRoot: r.StateRoot,
		ExtrinsicsRoot: r.ExtrinsicsRoot, Digest: r.Digest.Logs}, nil
}

// hash computes the block hash: blake2b-256 of the SCALE-encoded header
// (parent hash, compact number, state root, extrinsics root, digest).
func (r rawHeader) hash(number uint64) (string, error) {
	var enc []byte
	for _, field := range []string{r.ParentHash} {
		b, err := decodeHex(field)
		if err != nil || len(b) != 32 {
			return "", fmt.Errorf("header parent hash %q is not 32 bytes of hex", field)
		}
		enc = append(enc, b...)
	}
	enc = scale.AppendCompact(enc, number)
	for _, field := range []string{r.StateRoot, r.ExtrinsicsRoot} {
		b, err := decodeHex(field)
		if err != nil || len(b) != 32 {
			return "", fmt.Errorf("header root %q is not 32 bytes of hex", field)
		}
		enc = append(enc, b...)
	}
	enc = scale.AppendCompact(enc, uint64(len(r.Digest.Logs)))
	for _, l := range r.Digest.Logs {
		b, err := decodeHex(l)
		if err != nil {
			return "", fmt.Errorf("header digest item: %w", err)
		}
		enc = append(enc, b...)
	}
	sum := blake2b.Sum256(enc)
	return "0x" + hex.EncodeToString(sum[:]), nil
}

func parseHexNumber(s string) (uint64, error) {
	s = strings.TrimPrefix(s, "0x")
	if s == "" || len(s) > 16 {
		return 0, errors.New("not a 64-bit hex number")
	}
	var n uint64
	for _, ch := range s {
		var d uint64
		switch {
		case ch >= '0' && ch <= '9':
			d = uint64(ch - '0')
		case ch >= 'a' && ch <= 'f':
			d = uint64(ch-'a') + 10
		case ch >= 'A' && ch <= 'F':
			d = uint64(ch-'A') + 10
		default:
			return 0, errors.New("not a hex number")
		}
		n = n<<4 | d
	}
	return n, nil
}

// Header returns the header of block at ("" for the head).
func (c *Client) Header(ctx context.Context, at string) (*Header, error) {
	hash, err := c.resolve(ctx, at)
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	if h, ok := c.headers.get(hash); ok {
		return h, nil
	}
	h, err := c.hdrFlight.do(ctx, hash, func(ctx context.Context) (*Header, error) {
		var r *rawHeader
		if err := c.call(ctx, &r, "chain_getHeader", hash); err != nil {
			return nil, err
		}
		if r == nil {
			return nil, fmt.Errorf("the node has no block %s", hash)
		}
		h, err := r.header(hash)
		if err == nil {
			c.headers.put(hash, h)
		}
		return h, err
	})
	if err != nil {
		return nil, fmt.Errorf("header of %s: %w", hash, err)
	}
	return h, nil
}

// BlockNumber returns the number of block at ("" for the head).
func (c *Client) BlockNumber(ctx context.Context, at string) (uint64, error) {
	h, err := c.Header(ctx, at)
	if err != nil {
		return 0, err
	}
	return h.Number, nil
}

// RuntimeVersion is what state_getRuntimeVersion reports.
type RuntimeVersion struct {
	SpecName           string `json:"specName"`
	ImplName           string `json:"implName"`
	SpecVersion        uint32 `json:"specVersion"`
	ImplVersion        uint32 `json:"implVersion"`
	TransactionVersion uint32 `json:"transactionVersion"`
}

// RuntimeVersion returns the runtime version of block at.
func (c *Client) RuntimeVersion(ctx context.Context, at string) (RuntimeVersion, error) {
	hash, err := c.resolve(ctx, at)
	if err != nil {
		return RuntimeVersion{}, fmt.Errorf("runtime version: %w", err)
	}
	return c.runtimeVersion(ctx, hash)
}

// knownMetadata returns the metadata of block hash when its runtime is
// already known, without a request.
func (c *Client) knownMetadata(hash string) *scale.Metadata {
	v, ok := c.runtimes.get(hash)
	if !ok {
		return nil
	}
	m, _ := c.metas.get(v.SpecVersion)
	return m
}

func (c *Client) runtimeVersion(ctx context.Context, hash string) (RuntimeVersion, error) {
	if v, ok := c.runtimes.get(hash); ok {
		return v, nil
	}
	v, err := c.rtFlight.do(ctx, hash, func(ctx context.Context) (RuntimeVersion, error) {
		var v RuntimeVersion
		if err := c.call(ctx, &v, "state_getRuntimeVersion", hash); err != nil {
			return v, err
		}
		if v.SpecVersion == 0 && v.SpecName == "" {
			return v, errors.New("the node returned an empty runtime version")
		}
		c.runtimes.put(hash, v)
		return v, nil
	})
	if err != nil {
		return v, fmt.Errorf("runtime version of %s: %w", hash, err)
	}
	return v, nil
}

// Metadata returns the metadata of the runtime of block at ("" for the head).
func (c *Client) Metadata(ctx context.Context, at string) (*scale.Metadata, error) {
	hash, err := c.resolve(ctx, at)
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	return c.metadata(ctx, hash)
}

func (c *Client) metadata(ctx context.Context, hash string) (*scale.Metadata, error) {
	if c.diskCache() {
		// The disk cache is named by the genesis hash: ask for it alongside
		// the first runtime version rather than after it.
		c.prefetch.Do(func() { go c.GenesisHash(context.WithoutCancel(ctx)) })
	}
	v, err := c.runtimeVersion(ctx, hash)
	if err != nil {
		return nil, err
	}
	if m, ok := c.metas.get(v.SpecVersion); ok {
		c.lastMeta.Store(m)
		return m, nil
	}
	m, err := c.metaFlight.do(ctx, v.SpecVersion, func(ctx context.Context) (*scale.Metadata, error) {
		m, err := c.loadMetadata(ctx, hash, v)
		if err == nil {
			c.metas.put(v.SpecVersion, m)
			c.lastMeta.Store(m)
		}
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("metadata of %s %d: %w", v.SpecName, v.SpecVersion, err)
	}
	return m, nil
}

// loadMetadata reads the metadata of runtime v from the disk cache, or
// fetches it at block hash: V15 when the runtime offers it (it carries the
// runtime API signatures), else V14.
func (c *Client) loadMetadata(ctx context.Context, hash string, v RuntimeVersion) (*scale.Metadata, error) {
	path := c.cachePath(ctx, v)
	if path != "" {
		if b, err := os.ReadFile(path); err == nil {
			if m, err := scale.Parse(b); err == nil {
				return m, nil
			}
			// A damaged cache file is fetched again and overwritten.
		}
	}
	raw, err := c.fetchMetadata(ctx, hash)
	if err != nil {
		return nil, err
	}
	m, err := scale.Parse(raw)
	if err != nil {
		return nil, err
	}
	if path != "" {
		writeFileAtomic(path, raw)
	}
	return m, nil
}

func (c *Client) fetchMetadata(ctx context.Context, hash string) ([]byte, error) {
	// Ask for V15 straight away: a runtime without it answers None (or,
	// older still, an error for the unknown runtime API), and then V14 is
	// read. Asking Metadata_metadata_versions first would cost a round trip
	// and a run of the runtime's wasm on every cold start.
	var s string
	err := c.call(ctx, &s, "state_call", "Metadata_metadata_at_version", "0x0f000000", hash)
	var rpcErr *rpc.Error
	switch {
	case err == nil:
		b, err := decodeHex(s)
		if err != nil {
			return nil, err
		}
		if len(b) != 1 || b[0] != 0 { // not None
			return b, nil
		}
	case !errors.As(err, &rpcErr):
		return nil, err
	}
	if err := c.call(ctx, &s, "state_getMetadata", hash); err != nil {
		return nil, err
	}
	return decodeHex(s)
}

func (c *Client) cachePath(ctx context.Context, v RuntimeVersion) string {
	if !c.diskCache() {
		return ""
	}
	dir := c.opts.CacheDir
	g, err := c.GenesisHash(ctx)
	if err != nil {
		return ""
	}
	name := fmt.Sprintf("%s-%s-%d.scale", g, sanitize(v.SpecName), v.SpecVersion)
	return filepath.Join(dir, name)
}

// diskCache reports whether metadata is kept on disk.
func (c *Client) diskCache() bool { return c.opts.CacheDir != "" && !c.opts.NoDiskCache }

// DefaultCacheDir returns the metadata cache folder of the btscript
// command, <user cache dir>/btscript/metadata, for a program that wants
// the same: pass it as Options.CacheDir.
func DefaultCacheDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("metadata cache folder: %w", err)
	}
	return filepath.Join(d, "btscript", "metadata"), nil
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
}

// writeFileAtomic writes a cache file; failing to cache is not an error
// worth failing a query for.
func writeFileAtomic(path string, b []byte) {
	if os.MkdirAll(filepath.Dir(path), 0o755) != nil {
		return
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return
	}
	_, werr := f.Write(b)
	cerr := f.Close()
	if werr != nil || cerr != nil || os.Rename(f.Name(), path) != nil {
		os.Remove(f.Name())
	}
}

// decodeHexInto is decodeHex of a view of an answer's text, into dst when
// it is exactly the size of the value, into new memory otherwise.
func decodeHexInto(dst, s []byte) ([]byte, error) {
	if len(s) >= 2 && s[0] == '0' && s[1] == 'x' {
		s = s[2:]
	}
	if len(dst) != len(s)/2 {
		dst = make([]byte, len(s)/2)
	}
	if _, err := hex.Decode(dst, s); err != nil {
		return nil, fmt.Errorf("node answered with bad hex: %w", err)
	}
	return dst, nil
}

func decodeHex(s string) ([]byte, error) {
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil {
		return nil, fmt.Errorf("node answered with bad hex: %w", err)
	}
	return b, nil
}
