// Styled segments as Ink text spans; unstyled ones stay plain strings.
import {Text} from 'ink';
import type {Segment} from '../text/styled-segment.js';

export function Segments(props: {segments: readonly Segment[]}) {
  return (
    <>
      {props.segments.map((segment, index) =>
        segment.color === undefined && segment.bold !== true && segment.dim !== true && segment.inverse !== true ? (
          segment.text
        ) : (
          <Text key={index} color={segment.color} bold={segment.bold} dimColor={segment.dim} inverse={segment.inverse}>
            {segment.text}
          </Text>
        ),
      )}
    </>
  );
}
