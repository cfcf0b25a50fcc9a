// Package media stores the shop's images in a blob bucket chosen by URL
// (gocloud.dev/blob: file://, mem://, s3://): it checks an upload by its
// bytes, removes its metadata, stores it under its SHA-256 with smaller
// variants, serves the files, and sweeps away what no record uses.
package media
