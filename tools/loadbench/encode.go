package main

import (
	"bytes"
	"compress/gzip"

	"github.com/andybalholm/brotli"
)

// encodeBrotli is brotli at quality q, the same library simplehttp uses;
// quality 9 is the reference of the (j) bytes target (brotli -q 9).
func encodeBrotli(src []byte, q int) ([]byte, error) {
	var b bytes.Buffer
	w := brotli.NewWriterLevel(&b, q)
	if _, err := w.Write(src); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// encodeGzip is gzip at level (9: gzip -9).
func encodeGzip(src []byte, level int) ([]byte, error) {
	var b bytes.Buffer
	w, err := gzip.NewWriterLevel(&b, level)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(src); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
