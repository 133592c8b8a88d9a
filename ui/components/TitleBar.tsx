import {Box, Text} from 'ink';
import {tint} from '../text/format.js';
import {SIMULATED_BADGE, TITLE_NAME, titleInfo} from '../text/title-text.js';

export function TitleBar(props: {uri: string; hostname: string | undefined; simulated: boolean; width: number}) {
  return (
    <Box width={props.width} height={1} flexShrink={0}>
      <Text bold color={tint('cyan')}>
        {TITLE_NAME}
      </Text>
      <Box flexGrow={1}>
        <Text wrap="truncate-end">{titleInfo(props.uri, props.hostname, props.width, props.simulated)}</Text>
      </Box>
      {props.simulated ? (
        <Text bold inverse color={tint('yellow')}>
          {SIMULATED_BADGE}
        </Text>
      ) : null}
    </Box>
  );
}
