package main

import (
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"
)

func TestTZRule(t *testing.T) {
	winter := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)
	summer := time.Date(2026, 7, 15, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		tz   string
		at   time.Time
		name string
		off  time.Duration
	}{
		{"JST-9", winter, "JST", 9 * time.Hour},
		{"CET-1CEST,M3.5.0,M10.5.0/3", winter, "CET", time.Hour},
		{"CET-1CEST,M3.5.0,M10.5.0/3", summer, "CEST", 2 * time.Hour},
		{"<+0530>-5:30", summer, "+0530", 5*time.Hour + 30*time.Minute},
		{"EST5EDT", summer, "EDT", -4 * time.Hour}, // the C library's default rule
		{"UTC0", summer, "UTC", 0},
	}
	for _, tt := range tests {
		loc := tzRule(tt.tz)
		if loc == nil {
			t.Errorf("tzRule(%q) = nil, want a zone", tt.tz)
			continue
		}
		name, off := tt.at.In(loc).Zone()
		if name != tt.name || time.Duration(off)*time.Second != tt.off {
			t.Errorf("tzRule(%q) at %v: %s %v, want %s %v", tt.tz, tt.at, name, time.Duration(off)*time.Second, tt.name, tt.off)
		}
	}
	// Zone names whose file is missing, file names, and what is no rule
	// at all: UTC, as the C library takes them.
	for _, tz := range []string{"", "UTC", "JST", "Asia/Tokyo", "Bogus/Zone", ":JST-9", "/etc/nowhere", "JST-9\nX",
		"Etc/GMT-9", "Etc/GMT+5", "<>-9", "<A_B>-9", "J S T-9"} {
		if loc := tzRule(tz); loc != nil {
			t.Errorf("tzRule(%q) = %v, want nil", tz, loc)
		}
	}
}

// TestE2ELogTZRule: a TZ given as a POSIX rule, as in a container without
// tzdata, sets the time of the log lines, as it sets Python's. It was
// ignored: the lines were in UTC.
func TestE2ELogTZRule(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "hello.txt"), "hello\n")
	// A rule no zoneinfo file is named after, 9:30 ahead of UTC.
	cmd := command(t, "-b", "127.0.0.1", "-d", dir, "0")
	cmd.Env = append(cmd.Env, "TZ=<+0930>-9:30")
	p := startCommand(t, cmd)
	zone := time.FixedZone("+0930", 9*3600+30*60)
	before := time.Now().In(zone).Truncate(time.Second)
	if resp, body := get(t, p.url+"/hello.txt"); resp.StatusCode != 200 || body != "hello\n" {
		t.Fatalf("GET /hello.txt: %s %q", resp.Status, body)
	}
	after := time.Now().In(zone)
	p.stop(t, syscall.SIGTERM)
	m := regexp.MustCompile(`\[(\d\d/\w\w\w/\d{4} \d\d:\d\d:\d\d)\] "GET /hello.txt`).FindStringSubmatch(p.stderr.String())
	if m == nil {
		t.Fatalf("no log line of the request in %q", p.stderr)
	}
	stamp, err := time.ParseInLocation(pythonLogLayout, m[1], zone)
	if err != nil {
		t.Fatal(err)
	}
	if stamp.Before(before) || stamp.After(after) {
		t.Errorf("logged at %s, want the time of TZ <+0930>-9:30, between %s and %s", m[1],
			before.Format(pythonLogLayout), after.Format(pythonLogLayout))
	}
}

// pythonLogLayout is the time of Python's log lines.
const pythonLogLayout = "02/Jan/2006 15:04:05"
