package chain

import (
	"fmt"
	"sort"
	"strings"
)

// Networks maps the names a user can give instead of a URL to endpoints.
var Networks = map[string]string{
	"finney":  "wss://entrypoint-finney.opentensor.ai:443",
	"test":    "wss://test.finney.opentensor.ai:443",
	"archive": "wss://archive.chain.opentensor.ai:443",
	"local":   "ws://127.0.0.1:9944",
}

// DefaultNetwork is the network used when none is named.
const DefaultNetwork = "finney"

// Endpoint returns the websocket URL for a network name or URL.
func Endpoint(network string) (string, error) {
	if network == "" {
		network = DefaultNetwork
	}
	if u, ok := Networks[network]; ok {
		return u, nil
	}
	if strings.HasPrefix(network, "ws://") || strings.HasPrefix(network, "wss://") {
		return network, nil
	}
	names := make([]string, 0, len(Networks))
	for n := range Networks {
		names = append(names, n)
	}
	sort.Strings(names)
	return "", fmt.Errorf("unknown network %q: use %s, or a ws:// or wss:// URL", network, strings.Join(names, ", "))
}
