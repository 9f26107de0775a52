package provider

import (
	"context"
	"fmt"
	"strings"
)

// What the set resources (MRS job set, Azure task set) share: waiting for their members, and
// the words of their errors.

// pollMembers waits until each of the members names has ended, calling refresh to read them
// again; ended tells of a member whether it has ended and whether it failed (a member that is
// gone has ended). Progress is logged at INFO, e.g. "37/100 jobs finished, 2 without success".
func (d *providerData) pollMembers(ctx context.Context, what string, names []string, ended func(name string) (ended, failed bool),
	refresh func(context.Context) error, endedWords, failedWords string) error {
	progress := func() (string, bool) {
		done, failed := 0, 0
		for _, name := range names {
			e, f := ended(name)
			if e {
				done++
			}
			if f {
				failed++
			}
		}
		status := fmt.Sprintf("%d/%d %s", done, len(names), endedWords)
		if failed > 0 {
			status += fmt.Sprintf(", %d %s", failed, failedWords)
		}
		return status, done == len(names)
	}
	status, done := progress()
	if done {
		return nil
	}
	return d.pollUntil(ctx, what, status, func(ctx context.Context) (bool, string, error) {
		if err := refresh(ctx); err != nil {
			return false, "", err
		}
		status, done := progress()
		return done, status, nil
	})
}

// keepMembersAdvice tells how to go on after an error without redoing the members that are
// fine: set names the resource ("job set"), members them ("jobs"), next what the next apply
// does ("submits only the jobs that are missing or failed").
func keepMembersAdvice(creating bool, set, members, next string) string {
	if creating {
		return fmt.Sprintf("Terraform marks a %[1]s whose creation failed as tainted, and would replace it whole, %[2]s that "+
			"succeeded included. To keep them, run `terraform untaint` with this %[1]s's address (shown on the "+
			"\"with\" line of this message); the next `terraform apply` then %[3]s.", set, members, next)
	}
	return "The next `terraform apply` " + next + "."
}

// abbreviatedList joins the first items of a long list with sep, saying how many more there are.
func abbreviatedList(items []string, sep string) string {
	const shown = 20
	list := strings.Join(items[:min(len(items), shown)], sep)
	if len(items) > shown {
		list += fmt.Sprintf("%sand %d more", sep, len(items)-shown)
	}
	return list
}
