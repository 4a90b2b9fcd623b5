//! Partial dates: `1967`, `2024-12`, `2024-12-08`.
//!
//! Briefing books often know only the year or month of an event, and must
//! not pretend to know more. A partial date sorts at the start of its period
//! (before any fuller date within it) and is displayed at its own precision.

use std::fmt;

use serde::Serialize;

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A date known to the year, the month, or the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct PartialDate {
    /// The year, 1 to 9999.
    pub year: u16,
    /// The month, 1 to 12, when known.
    pub month: Option<u8>,
    /// The day of the month, when known (only with a month).
    pub day: Option<u8>,
}

/// Why a date string is not a partial date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateError(pub String);

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl PartialDate {
    /// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, checking that the month and
    /// day exist.
    pub fn parse(text: &str) -> Result<PartialDate, DateError> {
        let expected = || {
            DateError(format!(
                "`{text}` is not a date; write `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (e.g. `1967`, `2024-12`, `2024-12-08`)"
            ))
        };
        let parts: Vec<&str> = text.split('-').collect();
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if parts.len() > 3 || !digits(parts[0], 4) {
            return Err(expected());
        }
        if parts.iter().skip(1).any(|p| !digits(p, 2)) {
            return Err(expected());
        }
        let year: u16 = parts[0].parse().map_err(|_| expected())?;
        if year == 0 {
            return Err(DateError(format!("`{text}`: there is no year 0")));
        }
        let month = match parts.get(1) {
            Some(m) => {
                let month: u8 = m.parse().map_err(|_| expected())?;
                if !(1..=12).contains(&month) {
                    return Err(DateError(format!("`{text}`: there is no month {month}")));
                }
                Some(month)
            }
            None => None,
        };
        let day = match (parts.get(2), month) {
            (Some(d), Some(month)) => {
                let day: u8 = d.parse().map_err(|_| expected())?;
                let last = days_in_month(year, month);
                if day == 0 || day > last {
                    return Err(DateError(format!(
                        "`{text}`: {} {year} has {last} days",
                        MONTHS[usize::from(month - 1)]
                    )));
                }
                Some(day)
            }
            _ => None,
        };
        Ok(PartialDate { year, month, day })
    }

    /// The date for people: `1967`, `December 2024`, `8 December 2024`.
    pub fn human(&self) -> String {
        let mut out = String::with_capacity(20);
        self.push_human(&mut out);
        out
    }

    /// Appends [`PartialDate::human`] to `out`. (Pages show the date of
    /// every citation: no formatting machinery for each.)
    pub fn push_human(&self, out: &mut String) {
        let mut digits = itoa::Buffer::new();
        if let (Some(_), Some(d)) = (self.month, self.day) {
            out.push_str(digits.format(d));
            out.push(' ');
        }
        if let Some(m) = self.month {
            out.push_str(MONTHS[usize::from(m - 1)]);
            out.push(' ');
        }
        out.push_str(digits.format(self.year));
    }

    /// Appends the date in ISO form at its own precision (as `Display`
    /// writes it) to `out`.
    pub fn push_iso(&self, out: &mut String) {
        let two = |out: &mut String, n: u8| {
            out.push(char::from(b'0' + n / 10 % 10));
            out.push(char::from(b'0' + n % 10));
        };
        let year = self.year;
        two(out, (year / 100 % 100) as u8);
        two(out, (year % 100) as u8);
        if let Some(m) = self.month {
            out.push('-');
            two(out, m);
        }
        if let Some(d) = self.day {
            out.push('-');
            two(out, d);
        }
    }
}

impl fmt::Display for PartialDate {
    /// The date in ISO form at its own precision.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut iso = String::with_capacity(10);
        self.push_iso(&mut iso);
        f.write_str(&iso)
    }
}

/// A date in front matter: TOML's own date type or a partial-date string.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(untagged)]
pub enum DateValue {
    /// `date = 2024-12-08`
    Toml(toml::value::Datetime),
    /// `date = "2024-12"`
    Text(String),
}

impl DateValue {
    /// The value as a partial date.
    pub fn to_partial(&self) -> Result<PartialDate, DateError> {
        match self {
            DateValue::Text(text) => PartialDate::parse(text),
            DateValue::Toml(datetime) => match &datetime.date {
                Some(date) => PartialDate::parse(&format!(
                    "{:04}-{:02}-{:02}",
                    date.year, date.month, date.day
                )),
                None => Err(DateError(format!("`{datetime}` has no date part"))),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_precision() {
        assert_eq!(PartialDate::parse("1967").unwrap().human(), "1967");
        assert_eq!(
            PartialDate::parse("2024-12").unwrap().human(),
            "December 2024"
        );
        assert_eq!(
            PartialDate::parse("2024-12-08").unwrap().human(),
            "8 December 2024"
        );
        assert_eq!(
            PartialDate::parse("2024-02-29").unwrap().to_string(),
            "2024-02-29"
        );
    }

    #[test]
    fn iso_form_is_padded_at_each_precision() {
        for (text, iso) in [
            ("0044", "0044"),
            ("0987-03", "0987-03"),
            ("2024-12-08", "2024-12-08"),
            ("9999-01-31", "9999-01-31"),
        ] {
            let date = PartialDate::parse(text).unwrap();
            let mut pushed = String::new();
            date.push_iso(&mut pushed);
            assert_eq!(pushed, iso);
            assert_eq!(date.to_string(), iso);
        }
        let mut label = String::from("on ");
        PartialDate::parse("0987-03-01")
            .unwrap()
            .push_human(&mut label);
        assert_eq!(label, "on 1 March 987");
    }

    #[test]
    fn rejects_impossible_dates() {
        for bad in [
            "2024-13-01",
            "2024-02-30",
            "24-1-1",
            "2023-02-29",
            "",
            "2024-1",
            "0000",
            "2024-12-08-01",
            "２０２４",
        ] {
            assert!(PartialDate::parse(bad).is_err(), "{bad} should fail");
        }
    }

    #[test]
    fn partial_dates_sort_at_the_start_of_their_period() {
        let mut dates: Vec<PartialDate> = ["2024-12-08", "2024", "2024-12", "1967", "2024-01-31"]
            .iter()
            .map(|d| PartialDate::parse(d).unwrap())
            .collect();
        dates.sort();
        let shown: Vec<String> = dates.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            ["1967", "2024", "2024-01-31", "2024-12", "2024-12-08"]
        );
    }
}
