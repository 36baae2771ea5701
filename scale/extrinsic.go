package scale

import (
	"errors"
	"fmt"
)

// Extrinsic is a decoded extrinsic of a block (format version 4).
type Extrinsic struct {
	Version uint8 // the format version, 4
	Signed  bool
	// Address, Signature and Extra (the signed extensions' data, a Seq in
	// their metadata order) are Null for unsigned extrinsics.
	Address, Signature, Extra Value
	// Call is the outer call enum: a Variant named after the pallet whose
	// payload is a Variant named after the call, e.g.
	// {"Timestamp": {"set": {"now": 1700000000000}}}.
	Call Value
}

// extrinsicTypes returns the address, call, signature and extra type ids,
// from the V15 extrinsic section or the V14 UncheckedExtrinsic parameters.
func (m *Metadata) extrinsicTypes() (addr, call, sig, extra int, err error) {
	x := m.Extrinsic
	addr, call, sig, extra = x.AddressType, x.CallType, x.SignatureType, x.ExtraType
	if x.Type >= 0 && (addr < 0 || call < 0 || sig < 0 || extra < 0) {
		for _, p := range m.Types[x.Type].Params {
			switch p.Name {
			case "Address":
				addr = p.Type
			case "Call":
				call = p.Type
			case "Signature":
				sig = p.Type
			case "Extra", "Extension":
				extra = p.Type
			}
		}
	}
	if addr < 0 || call < 0 || sig < 0 || extra < 0 {
		return 0, 0, 0, 0, errors.New("metadata does not describe the extrinsic address, call, signature and extra types")
	}
	return addr, call, sig, extra, nil
}

// DecodeExtrinsic decodes one extrinsic as found in a block body (the hex
// strings of chain_getBlock): a compact length, the version byte (bit 7 set
// when signed), then for signed extrinsics the address, signature and
// signed extension data, then the call. All bytes must be consumed.
func (m *Metadata) DecodeExtrinsic(b []byte) (Extrinsic, error) {
	var x Extrinsic
	addrT, callT, sigT, extraT, err := m.extrinsicTypes()
	if err != nil {
		return x, err
	}
	n, k, err := DecodeCompact(b)
	if err != nil {
		return x, fmt.Errorf("extrinsic length: %w", err)
	}
	if n != uint64(len(b)-k) {
		return x, fmt.Errorf("extrinsic length prefix says %d bytes, %d follow", n, len(b)-k)
	}
	body := b[k:]
	if len(body) == 0 {
		return x, errors.New("extrinsic: missing version byte")
	}
	x.Version, x.Signed = body[0]&0x7f, body[0]&0x80 != 0
	if x.Version != 4 {
		return x, fmt.Errorf("extrinsic format version %d is not supported (need 4)", x.Version)
	}
	off := 1 + k
	part := func(name string, id int) (Value, error) {
		v, used, err := m.DecodePrefix(id, b[off:])
		if err != nil {
			return Null, fmt.Errorf("extrinsic %s at offset %d: %w", name, off, err)
		}
		off += used
		return v, nil
	}
	if x.Signed {
		if x.Address, err = part("address", addrT); err != nil {
			return x, err
		}
		if x.Signature, err = part("signature", sigT); err != nil {
			return x, err
		}
		if x.Extra, err = part("signed extensions", extraT); err != nil {
			return x, err
		}
	}
	if x.Call, err = part("call", callT); err != nil {
		return x, err
	}
	if off != len(b) {
		return x, fmt.Errorf("extrinsic: %d bytes left over after the call at offset %d", len(b)-off, off)
	}
	return x, nil
}

// ExtrinsicTypes returns the type ids of an extrinsic's address, call
// (the outer call enum), signature and signed extension data.
func (m *Metadata) ExtrinsicTypes() (addr, call, sig, extra int, err error) {
	return m.extrinsicTypes()
}

// BlankSignature returns a copy of a signed extrinsic (format 4, with its
// compact length prefix, a MultiAddress::Id and a MultiSignature, as
// Substrate chains and subtensor build them) with the signature's bytes
// zeroed, and true; for anything else, nil and false. sr25519 signing is
// randomized: two signings of one payload differ only there, so the
// blanked forms say whether two extrinsics are the same transaction.
func BlankSignature(ext []byte) ([]byte, bool) {
	n := compactSize(ext) // the length prefix
	const idLen, sigLen = 32, 64
	if n == 0 || len(ext) < n+2+idLen+1 || ext[n] != 0x84 || ext[n+1] != 0x00 {
		return nil, false
	}
	sig := n + 2 + idLen // the MultiSignature's variant byte
	size := sigLen
	switch ext[sig] {
	case 0x00, 0x01: // Ed25519, Sr25519
	case 0x02: // Ecdsa
		size = sigLen + 1
	default:
		return nil, false
	}
	if len(ext) < sig+1+size {
		return nil, false
	}
	out := append([]byte(nil), ext...)
	clear(out[sig+1 : sig+1+size])
	return out, true
}

// compactSize returns how many bytes the SCALE compact integer at the
// start of b takes, or 0 when b is too short to hold one.
func compactSize(b []byte) int {
	if len(b) == 0 {
		return 0
	}
	n := 1
	switch b[0] & 3 {
	case 1:
		n = 2
	case 2:
		n = 4
	case 3:
		n = 1 + int(b[0]>>2) + 4
	}
	if len(b) < n {
		return 0
	}
	return n
}
