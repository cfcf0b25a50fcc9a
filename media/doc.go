// Package media stores the shop's images in a blob bucket chosen by URL
// (gocloud.dev/blob: file://, mem://, s3://): it checks an upload by its
// bytes, removes its metadata, stores it under its SHA-256 with smaller
// variants, serves the files, and sweeps away what no record uses.
//
// # Uploads
//
// [Store.Upload] reads at most [MaxBytes]+1 bytes into one buffer and
// judges the file by those bytes alone — [net/http.DetectContentType], then
// the header through image/jpeg, image/png, image/gif or
// golang.org/x/image/webp — never by a file name or a client's
// Content-Type. Only JPEG, PNG, GIF and WebP are accepted. The size in
// the header is checked against [MaxPixels] before a pixel is decoded, so
// a decompression bomb (a tiny PNG that claims 50000×50000) is refused
// without allocating its pixels. Then the whole image is decoded, which
// refuses a file cut short or damaged after its header. Every refusal is
// a [*commerce.ValidationError] on the caller's field, with an English
// message such as "must be a JPEG, PNG, GIF or WebP image", "must be at
// most 10 MiB", "must be at most 40 megapixels (this one is
// 12000×8000)" or "is truncated or corrupt". An animated WebP is refused
// ("must be a still WebP image"): golang.org/x/image/webp cannot decode
// one. Animated GIFs and APNGs are kept as they are; their variants show
// the first frame. A file the standard decoders cannot read is refused
// as well, though a browser might show it: a JPEG with arithmetic coding
// or 12-bit samples ("uses a form of its format that cannot be read"),
// and, as image/jpeg fails on it, a progressive JPEG with restart
// markers ("is truncated or corrupt").
//
// # Metadata
//
// Metadata is removed by rewriting the file's container, never by
// re-encoding its pixels, so the stored original is exactly as sharp as
// the uploaded one and decodes to the same pixels:
//
//   - JPEG keeps its frame, tables and scans, APP0 JFIF (without a
//     thumbnail), APP2 ICC_PROFILE and APP14 Adobe (which says how its
//     colours are coded), and drops APP1 EXIF (camera, time, GPS position,
//     thumbnail; but see Orientation) and XMP, APP13 IPTC, every other APPn,
//     COM, and anything after EOI.
//   - PNG keeps the critical chunks and those that change how it looks —
//     tRNS, gAMA, cHRM, sRGB, iCCP, sBIT, cICP, mDCv, cLLi, pHYs, bKGD and
//     the APNG chunks — each byte for byte with its own CRC, and drops
//     tEXt, zTXt, iTXt, eXIf, tIME and unknown chunks.
//   - WebP drops its EXIF, XMP and unknown chunks, clears the EXIF and XMP
//     flags of VP8X and sets the RIFF size to what is left.
//   - GIF drops comments, plain-text extensions and every application
//     extension but the NETSCAPE2.0 and ANIMEXTS1.0 loops.
//
// # Orientation
//
// A phone usually stores a portrait photo lying on its side with an EXIF
// orientation that says to turn it, and browsers turn it when they show
// it. Dropping that with the rest of EXIF would show the photo sideways.
// So when a JPEG's orientation is not upright, its EXIF is replaced with
// one of 36 bytes that holds the orientation alone: no camera, time or
// position is kept. The variants are turned when they are made and carry
// no EXIF, and an [Image]'s Width and Height — in its name too — are the
// size it is shown at. The orientation of a PNG's eXIf or a WebP's EXIF,
// rare and less well honoured by browsers, is dropped with them.
//
// # Names and variants
//
// The original is stored under the SHA-256 of the stripped bytes, so the
// same file uploaded twice is stored once. Its name says everything
// [Store.Describe] needs, so that a URL alone describes the image:
//
//	<sha256 hex>-<width>x<height>.<jpg|png|gif|webp>         the original
//	<sha256 hex>-<width>x<height>-w<variant width>.<jpg|png>  a variant
//
// There is a variant for each of [VariantWidths] narrower than the image,
// with the same aspect: a JPEG quality 85 for a JPEG, a PNG for anything
// else (a GIF's first frame). A variant carries its original's RGB ICC
// profile or PNG colour chunks. An upload writes its variants first and
// its original last, so a stored original always has its variants, and
// it writes them even when they exist, so that their times say they were
// just used (see Sweeping). Every file is written with its Content-Type
// and a Cache-Control of a year: a name never changes its content.
//
// Variants are shrunk in two steps — a box filter by a whole factor, then
// golang.org/x/image/draw's ApproxBiLinear by less than 2× — because the
// library's kernels (CatmullRom and the like) allocate 32 bytes per
// variant column per source row, five times the decoded photo for a
// 12-megapixel JPEG; resize.go says more.
//
// # Memory
//
// An upload holds the file, the decoded image, the box filter's results
// (a sixteenth of the decoded size or less) and one variant at a time, and
// encodes each variant straight into the bucket: under three times the
// decoded size at its peak. A baseline 12-megapixel JPEG decodes to 18 MB
// of YCbCr 4:2:0. The JPEG decoder of the standard library needs more for
// a progressive JPEG: it keeps every coefficient, about 4 bytes per pixel
// and channel, until the last scan.
//
// # Serving
//
// A [Store] is an [net/http.Handler] for GET and HEAD of [Store.Prefix]
// and a stored file's name, mounted as mux.Handle(store.Prefix(), store).
// It answers through [net/http.ServeContent] from a blob reader, never
// reading the file into memory: ETag (the name), Last-Modified, ranges,
// If-None-Match and If-Modified-Since, with Cache-Control "public,
// max-age=31536000, immutable", X-Content-Type-Options nosniff and a
// Content-Security-Policy of "default-src 'none'; sandbox". Any other
// method is 405, a name this package would not write or a missing file
// 404, and a bucket that fails 503.
//
// # Sweeping
//
// An image uploaded for a product form that was never saved stays in the
// bucket. [Store.Sweep] lists every file, groups each original with its
// variants, and then asks the caller, for each original older than
// Options.Grace, whether a record uses its URL; it deletes those that none
// does, variants first. Variants whose original is gone are deleted once
// they are older than the grace period too. Three things keep an upload
// safe from a concurrent sweep: inUse is asked only after the listing, so
// a record saved before then counts; an upload rewrites its files, so an
// old image uploaded again is young again; and Sweep reads the times
// again just before it deletes, while the uploads of its own Store wait.
// Across processes sharing a bucket, the grace period must cover the time
// between an upload and the saving of its record.
//
// # Buckets
//
// [Open] takes a gocloud.dev/blob URL; [New] takes a bucket the caller
// opened. Open knows the schemes of the drivers the program imports;
// package media imports none, so that the catalog and the other packages
// that use a Store carry no cloud SDK. Package
// github.com/impactmuseum/commerce/media/mediaurl imports these three and
// opens a Store in one call (mediaurl.Open):
//
//   - file:///var/lib/shop/media — a directory (fileblob). Its query
//     parameters: create_dir (any non-empty value, such as create_dir=1:
//     create the directory if it is missing), dir_file_mode, no_tmp_dir
//     (write temporary files beside the final ones instead of in
//     os.TempDir, needed when that is another file system), metadata=skip
//     (no .attrs files, and then no stored Content-Type or Cache-Control),
//     base_url and secret_key_path. Without create_dir the directory must
//     exist.
//   - mem:// — memory, gone when the process ends: tests and demos.
//   - s3://bucket?endpoint=http://127.0.0.1:8333&region=us-east-1&use_path_style=true
//     — Amazon S3 or any S3-compatible store (s3blob, AWS SDK v2). Its
//     query parameters: region, endpoint, use_path_style=true (needed by
//     most self-hosted stores), disable_https, profile, anonymous,
//     hostname_immutable, dualstack, fips, accelerate, ssetype, kmskeyid,
//     role, rate_limiter_capacity, request_checksum_calculation and
//     response_checksum_validation (when_required suits stores that do
//     not compute the newer checksums). The bucket must exist.
//
// A URL never carries credentials — one with a user or password is
// refused — and S3 keys come from the environment (AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY) or the shared AWS configuration. Open checks that
// the bucket answers; its errors wrap [ErrStorage] and name the URL.
package media
