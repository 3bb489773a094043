package local

import (
	"encoding/binary"
	"hash/crc32"
)

// appendEventMessage appends one application/vnd.amazon.eventstream message: a 12-byte prelude
// (total length, headers length, CRC32 of both), the headers (string-typed here), the payload and
// a CRC32 of everything before it. InvokeWithResponseStream sends events with the headers
// :event-type, :message-type ("event") and :content-type.
func appendEventMessage(dst []byte, headers [][2]string, payload []byte) []byte {
	hlen := 0
	for _, h := range headers {
		hlen += 1 + len(h[0]) + 1 + 2 + len(h[1])
	}
	total := 12 + hlen + len(payload) + 4
	start := len(dst)
	dst = binary.BigEndian.AppendUint32(dst, uint32(total))
	dst = binary.BigEndian.AppendUint32(dst, uint32(hlen))
	dst = binary.BigEndian.AppendUint32(dst, crc32.ChecksumIEEE(dst[start:start+8]))
	for _, h := range headers {
		dst = append(dst, byte(len(h[0])))
		dst = append(dst, h[0]...)
		dst = append(dst, 7) // value type: string
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(h[1])))
		dst = append(dst, h[1]...)
	}
	dst = append(dst, payload...)
	return binary.BigEndian.AppendUint32(dst, crc32.ChecksumIEEE(dst[start:]))
}

func appendEvent(dst []byte, eventType, contentType string, payload []byte) []byte {
	return appendEventMessage(dst, [][2]string{
		{":event-type", eventType},
		{":content-type", contentType},
		{":message-type", "event"},
	}, payload)
}
