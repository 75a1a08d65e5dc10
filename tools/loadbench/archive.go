package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The archive comparison: a tree downloaded from simplehttp --archive as
// tar.gz (and tar.zst and zip), against the tar(1) pipelines that make the
// same stream, `tar czf - DIR | cat` (gzip's default level, 6) and
// `tar cf - DIR | gzip -1 | cat` (the level simplehttp uses). Each is one
// run over the whole tree, with the page cache warm, the server (or the
// pipeline) pinned to the server core and the client on the other; the
// figures are the tree's MiB per second of wall time and the CPU
// milliseconds the server (or every process of the pipeline) spent per
// MiB of tree.

// archiveRun is one measured run.
type archiveRun struct {
	what    string
	wall    time.Duration
	cpu     time.Duration
	out     int64 // bytes of archive
	err     error
	skipped string
}

// archiveTreeFiles returns the sizes of the files of a tree of about
// total bytes: a fifth of it in 16 KiB files (the cost per entry), the rest
// in 1 MiB files.
func archiveTreeFiles(total int64) []int64 {
	var sizes []int64
	small := total / 5
	for n := int64(0); n+16*kib <= small; n += 16 * kib {
		sizes = append(sizes, 16*kib)
	}
	for n := small; n+mib <= total; n += mib {
		sizes = append(sizes, mib)
	}
	return sizes
}

// text returns n bytes of text that compresses about as prose, source
// code and logs do (3 to 4 times with gzip), different for every seed, so
// that no compressor finds one file repeated in the next.
func text(seed uint32, n int) []byte {
	words := strings.Fields("the of and to in is that for it as was with be by on not he this are or his from at which but have an they you were her she there had been one all we can if more when will would who so no out up into do time than them some could only other new like then its also over may after two any most these first such where how made about well even many those must much before should because each just through could")
	b := make([]byte, 0, n+64)
	x := seed*2654435761 + 2463534242
	for len(b) < n {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b = append(b, words[x%uint32(len(words))]...)
		switch x % 11 {
		case 0:
			b = append(b, ' ')
			b = strconv.AppendUint(b, uint64(x%100000), 10)
			b = append(b, ".\n"...)
		case 1:
			b = append(b, ", "...)
		default:
			b = append(b, ' ')
		}
	}
	return b[:n]
}

// makeArchiveTree writes a tree of about total bytes under dir/tree, 100
// files a directory, each file with text of its own.
func makeArchiveTree(dir string, total int64) (files, dirs int, err error) {
	for i, size := range archiveTreeFiles(total) {
		sub := filepath.Join(dir, "tree", fmt.Sprintf("d%03d", i/100))
		if i%100 == 0 {
			if err := os.MkdirAll(sub, 0o755); err != nil {
				return 0, 0, err
			}
			dirs++
		}
		if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("f%05d.txt", i)), text(uint32(i), int(size)), 0o644); err != nil {
			return 0, 0, err
		}
		files++
	}
	return files, dirs, nil
}

// warm reads every file under dir once, so that every run reads from the
// page cache.
func warm(dir string) error {
	return filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		return readOnce(p)
	})
}

// runArchiveBench builds a tree of mibs MiB and measures the runs.
func runArchiveBench(ctx context.Context, e *env, bin string, mibs int) ([]archiveRun, string, error) {
	dir := filepath.Join(e.tmp, "archive")
	total := int64(mibs) * mib
	files, dirs, err := makeArchiveTree(dir, total)
	if err != nil {
		return nil, "", fmt.Errorf("archive tree: %v", err)
	}
	if err := warm(dir); err != nil {
		return nil, "", err
	}
	desc := fmt.Sprintf("a tree of %d MiB of text (%d files: a fifth in 16 KiB files, the rest in 1 MiB; %d directories), page cache warm", mibs, files, dirs)
	var runs []archiveRun
	for _, format := range []string{"tar.gz", "tar.zst", "zip"} {
		runs = append(runs, archiveDownload(ctx, e, bin, dir, format))
	}
	pipelines := []struct{ what, script string }{
		{"tar czf - DIR | cat (gzip -6)", "tar czf - -C \"$1\" tree | cat"},
		{"tar cf - DIR | gzip -1 | cat", "tar cf - -C \"$1\" tree | gzip -1 | cat"},
		{"tar cf - DIR | zstd -1 | cat", "tar cf - -C \"$1\" tree | zstd -q -1 | cat"},
	}
	for _, p := range pipelines {
		runs = append(runs, archivePipeline(ctx, e, p.what, p.script, dir))
	}
	return runs, desc, nil
}

// archiveDownload runs simplehttp --archive on dir and downloads tree/ in
// format, counting the bytes.
func archiveDownload(ctx context.Context, e *env, bin, dir, format string) archiveRun {
	run := archiveRun{what: "simplehttp ?download=" + format}
	argv := []string{bin, "0", "-b", "127.0.0.1", "-d", dir, "-p", "HTTP/1.1", "--archive", "--log-file=" + filepath.Join(e.tmp, "logs", "archive-access.log")}
	p, err := startPeer(ctx, e.tools, "simplehttp", "", argv, nil, filepath.Join(e.tmp, "logs", "archive.log"), 0)
	if err != nil {
		run.err = err
		return run
	}
	defer p.stop()
	cpu0, err := cpuTime(p.pid())
	if err != nil {
		run.err = err
		return run
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", p.url("/tree/?download="+format), nil)
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		run.err = err
		return run
	}
	run.out, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	run.wall = time.Since(start)
	if err == nil && resp.StatusCode != 200 {
		err = fmt.Errorf("status %d", resp.StatusCode)
	}
	cpu1, err1 := cpuTime(p.pid())
	if err == nil {
		err = err1
	}
	run.err = err
	run.cpu = cpu1.sub(cpu0).total()
	return run
}

// archivePipeline runs script under sh, pinned to the server core, with
// its output counted, and takes the CPU time of the shell and everything
// it waited for (tar, gzip, cat) from wait4's rusage.
func archivePipeline(ctx context.Context, e *env, what, script, dir string) archiveRun {
	run := archiveRun{what: what}
	for _, tool := range []string{"tar", "gzip", "zstd"} {
		if strings.Contains(script, tool+" ") && lookTool(tool) == "" {
			run.skipped = tool + " not found"
			return run
		}
	}
	argv := []string{"sh", "-c", script, "sh", dir}
	if e.tools.taskset != "" {
		argv = append([]string{e.tools.taskset, "-c", serverCPU}, argv...)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		run.err = err
		return run
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		run.err = err
		return run
	}
	run.out, _ = io.Copy(io.Discard, out)
	err = cmd.Wait()
	run.wall = time.Since(start)
	if err != nil {
		run.err = fmt.Errorf("%v: %s", err, lastLines(stderr.String(), 2))
		return run
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		run.err = errors.New("no rusage")
		return run
	}
	run.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return run
}

// renderArchive prints the archive runs, with simplehttp's tar.gz against
// each pipeline as ratios.
func renderArchive(w io.Writer, desc string, mibs int, runs []archiveRun) {
	fmt.Fprintf(w, "Archives: %s; one run each.\n", desc)
	fmt.Fprintf(w, "  %-34s %9s %12s %10s\n", "", "MiB/s", "CPU ms/MiB", "out MiB")
	var ref *archiveRun
	for i := range runs {
		r := &runs[i]
		switch {
		case r.skipped != "":
			fmt.Fprintf(w, "  %-34s skipped: %s\n", r.what, r.skipped)
			continue
		case r.err != nil:
			fmt.Fprintf(w, "  %-34s failed: %v\n", r.what, r.err)
			continue
		}
		rate := float64(mibs) / r.wall.Seconds()
		cpu := float64(r.cpu.Milliseconds()) / float64(mibs)
		fmt.Fprintf(w, "  %-34s %9.1f %12.2f %10.1f\n", r.what, rate, cpu, float64(r.out)/mib)
		if r.what == "simplehttp ?download=tar.gz" {
			ref = r
		}
	}
	if ref == nil {
		return
	}
	for _, r := range runs {
		if !strings.HasPrefix(r.what, "tar ") || r.err != nil || r.skipped != "" || !strings.Contains(r.what, "gzip") {
			continue
		}
		fmt.Fprintf(w, "  simplehttp tar.gz vs %s: %.2fx the throughput, %.2fx the CPU per MiB\n",
			r.what, r.wall.Seconds()/ref.wall.Seconds(), float64(ref.cpu)/float64(max(r.cpu, 1)))
	}
}
