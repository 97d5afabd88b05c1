// Command holidaygen writes the migration that seeds the working-day
// calendar: China's statutory holidays and make-up working days (调休) for
// 2021 to 2027, as published each year by the General Office of the State
// Council (《国务院办公厅关于XXXX年部分节假日安排的通知》), taken from the data
// of github.com/6tail/lunar-go (HolidayUtil). Run it from the repository
// root; it rewrites storage/migrations/*/00003_calendar.sql.
//
//	go run ./tools/holidaygen
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/6tail/lunar-go/HolidayUtil"
)

const (
	firstYear = 2021
	lastYear  = 2027
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "holidaygen:", err)
		os.Exit(1)
	}
}

func run() error {
	var rows []string
	for y := firstYear; y <= lastYear; y++ {
		l := HolidayUtil.GetHolidaysByYear(y)
		if l.Len() == 0 {
			return fmt.Errorf("lunar-go has no holidays for %d", y)
		}
		for e := l.Front(); e != nil; e = e.Next() {
			h := e.Value.(*HolidayUtil.Holiday)
			kind := "holiday"
			if h.IsWork() {
				kind = "workday"
			}
			rows = append(rows, fmt.Sprintf("    ('%s', '%s', '%s', 'seed')", h.GetDay(), kind, strings.ReplaceAll(h.GetName(), "'", "''")))
		}
	}
	seed := "INSERT INTO calendar_days (day, kind, name, updated_by) VALUES\n" + strings.Join(rows, ",\n") + ";\n"
	for _, dialect := range []string{"postgres", "sqlite"} {
		head, err := os.ReadFile("tools/holidaygen/" + dialect + ".sql")
		if err != nil {
			return err
		}
		out := strings.Replace(string(head), "-- SEED --\n", seed, 1)
		if err := os.WriteFile("storage/migrations/"+dialect+"/00003_calendar.sql", []byte(out), 0o644); err != nil {
			return err
		}
	}
	fmt.Printf("wrote %d calendar days for %d-%d\n", len(rows), firstYear, lastYear)
	return nil
}
