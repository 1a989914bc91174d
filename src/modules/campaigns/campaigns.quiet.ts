/*
 * Quiet hours: when a campaign does not send. By default none from Friday
 * 14:00 to Saturday 20:00 (Shabbat), nor at night (21:00 to 08:00), in the
 * business's own time zone. A campaign that meets quiet hours waits and goes
 * on when they end; nothing is dropped.
 */

const weekdays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** The weekday (0 = Sunday) and the minutes since midnight of `at` in `timeZone`. */
function localTime(at: Date, timeZone: string): { day: number; minutes: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return { day: weekdays.indexOf(get('weekday')), minutes: Number(get('hour')) * 60 + Number(get('minute')) };
}

/** Whether `at` falls in the quiet hours, in the business's time zone. */
export function isQuiet(at: Date, timeZone: string): boolean {
  const { day, minutes } = localTime(at, timeZone);
  if (minutes < 8 * 60 || minutes >= 21 * 60) return true;
  if (day === 5 && minutes >= 14 * 60) return true;
  if (day === 6 && minutes < 20 * 60) return true;
  return false;
}

/** When sending may start again: `at` itself outside quiet hours, else the first quarter hour after them. */
export function nextSendingTime(at: Date, timeZone: string): Date {
  if (!isQuiet(at, timeZone)) return at;
  const step = 15 * 60_000;
  let t = new Date(Math.ceil(at.getTime() / step) * step);
  for (let i = 0; i < 4 * 24 * 3 && isQuiet(t, timeZone); i++) t = new Date(t.getTime() + step);
  return t;
}
