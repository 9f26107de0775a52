package emulator

import (
	"testing"
	"time"
)

func TestFrozenClock(t *testing.T) {
	c := NewFrozenClock(testStart)
	if !c.Now().Equal(testStart) || !c.Frozen() {
		t.Fatal("frozen clock")
	}
	c.Advance(90 * time.Second)
	if !c.Now().Equal(testStart.Add(90 * time.Second)) {
		t.Fatal("Advance")
	}
	c.Set(testStart.Add(time.Hour))
	if !c.Now().Equal(testStart.Add(time.Hour)) {
		t.Fatal("Set")
	}
}

func TestFollowingClock(t *testing.T) {
	c := NewClock()
	if d := time.Since(c.Now()); d < 0 || d > time.Second {
		t.Fatalf("following clock off by %v", d)
	}
	c.Advance(2 * time.Hour)
	if d := time.Until(c.Now()); d < 2*time.Hour-time.Second || d > 2*time.Hour+time.Second {
		t.Fatalf("advanced clock off by %v", d)
	}
	c.Set(testStart)
	a := c.Now()
	if d := a.Sub(testStart); d < 0 || d > time.Second {
		t.Fatalf("Set: %v", a)
	}
	time.Sleep(5 * time.Millisecond)
	if !c.Now().After(a) {
		t.Error("a following clock keeps running after Set")
	}
	if c.Now().Location() != time.UTC {
		t.Error("Now is not UTC")
	}
}
