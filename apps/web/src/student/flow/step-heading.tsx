import { useEffect, useRef, type ReactNode } from 'react';

/** A step's heading; takes focus when the step appears so screen readers hear the change. */
export function StepHeading({ id, children }: { id: string; children: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <h2 ref={ref} id={id} tabIndex={-1} className="step-heading">
      {children}
    </h2>
  );
}
