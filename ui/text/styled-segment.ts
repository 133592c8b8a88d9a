// A line of styled text as plain data. The Ink views turn segments into <Text> spans and the
// Ink-free first frame (first-frame.ts) draws the same segments, so both show one thing.

export interface Segment {
  text: string;
  /** a colour name Ink and chalk both know (already passed through tint()) */
  color?: string | undefined;
  bold?: boolean | undefined;
  dim?: boolean | undefined;
  inverse?: boolean | undefined;
}
