// Whether the component is still mounted, for async work that finishes after an unmount
// (an action's outcome, the editor returning): a ref, read when the work is done.
import {useEffect, useRef} from 'react';

export function useMounted(): {readonly current: boolean} {
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  return mounted;
}
