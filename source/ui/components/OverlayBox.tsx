import { Box } from 'ink';
import type { ReactNode } from 'react';

/** The frame of a full-screen overlay (help, a choice): rounded border, one column of padding. */
export function OverlayBox(props: { height: number; width?: number; children: ReactNode }) {
  return (
    <Box
      flexDirection="column"
      height={props.height}
      width={props.width}
      borderStyle="round"
      paddingX={1}
    >
      {props.children}
    </Box>
  );
}
