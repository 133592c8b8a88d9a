// The clock, ticking once a second only while something on screen counts down.
import {useEffect, useState} from 'react';

export function useNow(active: boolean, periodMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) {
      return;
    }

    setNow(Date.now());
    const timer = setInterval(() => {
      setNow(Date.now());
    }, periodMs);
    timer.unref();
    return () => {
      clearInterval(timer);
    };
  }, [active, periodMs]);
  return now;
}
