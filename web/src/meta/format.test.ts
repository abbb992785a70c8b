import { afterEach, describe, it, expect } from 'vitest'
import {
  enumLabel,
  formatBytes,
  formatCount,
  formatDecimalDegrees,
  formatDms,
  formatEv,
  formatExifDate,
  formatExposureTime,
  formatFlash,
  formatFNumber,
  formatLensInfo,
  formatSubjectDistance,
  formatSubsampling,
  formatVersion,
  formatInstant,
  formatMillimetres,
  formatNumber,
  formatValue,
  formatZone,
  labelFor,
  mapUrl,
  parseExifDate,
  shortTakenDate,
  validCoordinates,
} from './format'

describe('formatBytes', () => {
  it('uses decimal units', () => {
    expect(formatBytes(0)).toBe('0 B')
    expect(formatBytes(999)).toBe('999 B')
    expect(formatBytes(1000)).toBe('1.0 kB')
    expect(formatBytes(1536)).toBe('1.5 kB')
    expect(formatBytes(12_345)).toBe('12 kB')
    expect(formatBytes(5_000_000)).toBe('5.0 MB')
    expect(formatBytes(3_210_000_000)).toBe('3.2 GB')
    expect(formatBytes(7e12)).toBe('7.0 TB')
  })
  it('stays in TB for huge sizes', () => {
    expect(formatBytes(5e15)).toBe('5000 TB')
  })
  it('does not print 1000 of a unit', () => {
    expect(formatBytes(999_999)).toBe('1.0 MB')
    expect(formatBytes(999_600_000)).toBe('1.0 GB')
  })
  it('passes through what is not a size', () => {
    expect(formatBytes(-1)).toBe('-1')
    expect(formatBytes(Number.NaN)).toBe('NaN')
    expect(formatBytes(Infinity)).toBe('Infinity')
  })
})

describe('formatCount', () => {
  it('groups thousands', () => {
    expect(formatCount(0)).toBe('0')
    expect(formatCount(999)).toBe('999')
    expect(formatCount(1000)).toBe('1,000')
    expect(formatCount(1234567)).toBe('1,234,567')
    expect(formatCount(1234.6)).toBe('1,235')
  })
})

describe('formatNumber', () => {
  it('drops trailing zeros', () => {
    expect(formatNumber(0.6500000006)).toBe('0.65')
    expect(formatNumber(2.8, 1)).toBe('2.8')
    expect(formatNumber(3.04, 1)).toBe('3')
    expect(formatNumber(100.001, 1)).toBe('100')
    expect(formatNumber(10.02, 1)).toBe('10')
    expect(formatNumber(42)).toBe('42')
    expect(formatNumber(-0.0000001)).toBe('0')
    expect(formatNumber(-1.25, 1)).toBe('-1.3')
  })
  it('keeps the zeros of an integer part when rounding to no decimals', () => {
    expect(formatNumber(99.6, 0)).toBe('100')
    expect(formatNumber(1000.4, 0)).toBe('1000')
    expect(formatNumber(10.2, 0)).toBe('10')
  })
  it('passes through non-finite numbers', () => {
    expect(formatNumber(Number.NaN)).toBe('NaN')
    expect(formatNumber(-Infinity)).toBe('-Infinity')
  })
})

describe('exposure values', () => {
  it('writes short exposures as fractions', () => {
    expect(formatExposureTime(0.008)).toBe('1/125 s')
    expect(formatExposureTime(0.004)).toBe('1/250 s')
    expect(formatExposureTime(1 / 8000)).toBe('1/8000 s')
    expect(formatExposureTime(0.0166666)).toBe('1/60 s')
  })
  it('writes long exposures in seconds', () => {
    expect(formatExposureTime(0.5)).toBe('0.5 s')
    expect(formatExposureTime(2)).toBe('2 s')
    expect(formatExposureTime(30)).toBe('30 s')
    expect(formatExposureTime(1.3)).toBe('1.3 s')
  })
  it('uses decimals when no simple fraction fits', () => {
    expect(formatExposureTime(0.15)).toBe('1/7 s') // 6.67 is within 5% of 7
    expect(formatExposureTime(0.2857)).toBe('0.2857 s') // 1/3.5
  })
  it('does not invent a fraction for zero, negative or broken values', () => {
    expect(formatExposureTime(0)).toBe('0')
    expect(formatExposureTime(-0.01)).toBe('-0.01')
    expect(formatExposureTime(Number.NaN)).toBe('NaN')
  })
  it('formats aperture, focal length and EV', () => {
    expect(formatFNumber(2.8)).toBe('f/2.8')
    expect(formatFNumber(8)).toBe('f/8')
    expect(formatFNumber(1.7999999)).toBe('f/1.8')
    expect(formatMillimetres(4.15)).toBe('4.2 mm')
    expect(formatMillimetres(50)).toBe('50 mm')
    expect(formatEv(0)).toBe('0 EV')
    expect(formatEv(-0.001)).toBe('0 EV')
    expect(formatEv(0.3333333)).toBe('+0.33 EV')
    expect(formatEv(-2 / 3)).toBe('-0.67 EV')
    expect(formatEv(1)).toBe('+1 EV')
  })
})

describe('parseExifDate', () => {
  it('reads EXIF and ISO dates', () => {
    expect(parseExifDate('2021:04:11 15:47:53')).toEqual({ date: '2021-04-11', time: '15:47:53', offset: null })
    expect(parseExifDate('2021:04:11 15:47:53-05:00')).toEqual({ date: '2021-04-11', time: '15:47:53', offset: '-05:00' })
    expect(parseExifDate('2019-05-01T10:00:00Z')).toEqual({ date: '2019-05-01', time: '10:00:00', offset: 'Z' })
    expect(parseExifDate('2002:06:20')).toEqual({ date: '2002-06-20', time: null, offset: null })
    expect(parseExifDate('2021:04:11 15:47')).toEqual({ date: '2021-04-11', time: '15:47', offset: null })
    expect(parseExifDate('2021:04:11 15:47:53.123+0130')).toEqual({ date: '2021-04-11', time: '15:47:53.123', offset: '+01:30' })
    expect(parseExifDate('  2021:04:11 15:47:53  ')).toEqual({ date: '2021-04-11', time: '15:47:53', offset: null })
  })
  it('refuses empty EXIF dates and garbage', () => {
    expect(parseExifDate('0000:00:00 00:00:00')).toBeNull()
    expect(parseExifDate('2021:00:11 10:00:00')).toBeNull()
    expect(parseExifDate('2021:04:00')).toBeNull()
    expect(parseExifDate('    :  :     :  :  ')).toBeNull()
    expect(parseExifDate('yesterday')).toBeNull()
    expect(parseExifDate('2021:04:11 15:47:53<script>')).toBeNull()
    expect(parseExifDate('')).toBeNull()
    expect(parseExifDate(20210411)).toBeNull()
    expect(parseExifDate(null)).toBeNull()
    expect(parseExifDate({ date: '2021:04:11' })).toBeNull()
  })
})

describe('formatZone', () => {
  it('names the zone', () => {
    expect(formatZone('+01:00')).toBe('UTC+01:00')
    expect(formatZone('-05:30')).toBe('UTC-05:30')
    expect(formatZone('Z')).toBe('UTC')
    expect(formatZone('+00:00')).toBe('UTC')
    expect(formatZone('-00:00')).toBe('UTC')
  })
  it('says when the zone is unknown', () => {
    expect(formatZone(null)).toBe('time zone not recorded')
    expect(formatZone(undefined)).toBe('time zone not recorded')
    expect(formatZone('')).toBe('time zone not recorded')
    expect(formatZone('local')).toBe('time zone not recorded')
  })
})

describe('formatExifDate', () => {
  it('shows the wall clock with its zone', () => {
    expect(formatExifDate('2021:04:11 15:47:53-05:00')).toBe('2021-04-11 15:47:53 (UTC-05:00)')
    expect(formatExifDate('2021:04:11 15:47:53', '+02:00')).toBe('2021-04-11 15:47:53 (UTC+02:00)')
    expect(formatExifDate('2021:04:11 15:47:53')).toBe('2021-04-11 15:47:53 (time zone not recorded)')
    expect(formatExifDate('2019-05-01T10:00:00Z')).toBe('2019-05-01 10:00:00 (UTC)')
  })
  it('prefers the offset inside the value over the one given', () => {
    expect(formatExifDate('2021:04:11 15:47:53+01:00', '-08:00')).toBe('2021-04-11 15:47:53 (UTC+01:00)')
  })
  it('adds sub-seconds only when they are digits and the time has none', () => {
    expect(formatExifDate('2021:04:11 15:47:53', null, '25')).toBe('2021-04-11 15:47:53.25 (time zone not recorded)')
    expect(formatExifDate('2021:04:11 15:47:53', null, 7)).toBe('2021-04-11 15:47:53.7 (time zone not recorded)')
    expect(formatExifDate('2021:04:11 15:47:53.5', null, '25')).toBe('2021-04-11 15:47:53.5 (time zone not recorded)')
    expect(formatExifDate('2021:04:11 15:47:53', null, '<b>')).toBe('2021-04-11 15:47:53 (time zone not recorded)')
    expect(formatExifDate('2021:04:11 15:47:53', null, -5)).toBe('2021-04-11 15:47:53 (time zone not recorded)')
  })
  it('shows a date alone without a zone', () => {
    expect(formatExifDate('2002:06:20', '+01:00')).toBe('2002-06-20')
  })
  it('passes through what it cannot read, as text', () => {
    expect(formatExifDate('<img src=x onerror=alert(1)>')).toBe('<img src=x onerror=alert(1)>')
    expect(formatExifDate('   ')).toBeNull()
    expect(formatExifDate('')).toBeNull()
    expect(formatExifDate(12345)).toBeNull()
    expect(formatExifDate(undefined)).toBeNull()
  })
})

describe('formatInstant', () => {
  const tz = process.env.TZ
  afterEach(() => {
    if (tz === undefined) delete process.env.TZ
    else process.env.TZ = tz
  })

  it('shows an instant in UTC when the viewer is in UTC', () => {
    process.env.TZ = 'UTC'
    expect(formatInstant('2021-04-11T15:47:53Z')).toBe('2021-04-11 15:47 (UTC)')
  })
  it('shows an instant in the viewer zone with its offset', () => {
    process.env.TZ = 'Asia/Kolkata'
    expect(formatInstant('2021-04-11T15:47:53Z')).toBe('2021-04-11 21:17 (UTC+05:30)')
    process.env.TZ = 'America/New_York'
    expect(formatInstant('2021-01-01T03:00:00Z')).toBe('2020-12-31 22:00 (UTC-05:00)')
  })
  it('handles missing and unreadable values', () => {
    expect(formatInstant(null)).toBeNull()
    expect(formatInstant(undefined)).toBeNull()
    expect(formatInstant('')).toBeNull()
    expect(formatInstant('not a date')).toBe('not a date')
  })
})

describe('shortTakenDate', () => {
  it('prefers DateTimeOriginal, then takenAt', () => {
    expect(shortTakenDate('2021:04:11 15:47:53', '2000-01-01T00:00:00Z')).toBe('2021-04-11')
    expect(shortTakenDate(undefined, '2019-05-01T10:00:00Z')).toBe('2019-05-01')
    expect(shortTakenDate('garbage', '2019-05-01T10:00:00Z')).toBe('2019-05-01')
    expect(shortTakenDate('garbage', 'also garbage')).toBeNull()
    expect(shortTakenDate(null, null)).toBeNull()
  })
})

describe('coordinates', () => {
  it('validates ranges and types', () => {
    expect(validCoordinates(54.989667, -1.914167)).toBe(true)
    expect(validCoordinates(90, 180)).toBe(true)
    expect(validCoordinates(-90, -180)).toBe(true)
    expect(validCoordinates(90.1, 0)).toBe(false)
    expect(validCoordinates(0, -180.5)).toBe(false)
    expect(validCoordinates(Number.NaN, 0)).toBe(false)
    expect(validCoordinates(0, Infinity)).toBe(false)
    expect(validCoordinates('54.9', '-1.9')).toBe(false)
    expect(validCoordinates(null, 0)).toBe(false)
    expect(validCoordinates(0, undefined)).toBe(false)
  })
  it('formats decimal degrees and DMS', () => {
    expect(formatDecimalDegrees(54.989667, -1.914167)).toBe('54.989667, -1.914167')
    expect(formatDms(54.989667, -1.914167)).toBe('54° 59′ 22.8″ N, 1° 54′ 51.0″ W')
    expect(formatDms(-33.8568, 151.2153)).toBe('33° 51′ 24.5″ S, 151° 12′ 55.1″ E')
    expect(formatDms(0, 0)).toBe('0° 0′ 0.0″ N, 0° 0′ 0.0″ E')
  })
  it('carries rounded seconds into minutes and degrees', () => {
    expect(formatDms(10.9999999, 20.4999999)).toBe('11° 0′ 0.0″ N, 20° 30′ 0.0″ E')
  })
  it('builds map links from numbers only', () => {
    expect(mapUrl(54.989667, -1.914167)).toBe('https://www.openstreetmap.org/?mlat=54.989667&mlon=-1.914167#map=15/54.989667/-1.914167')
  })
})

describe('enumLabel', () => {
  it('names known values', () => {
    expect(enumLabel('Orientation', 6)).toBe('Rotated 90° clockwise')
    expect(enumLabel('MeteringMode', 5)).toBe('Multi-segment')
    expect(enumLabel('ColorSpace', 0xffff)).toBe('Uncalibrated')
    expect(enumLabel('ColorType', 6)).toBe('RGB with alpha')
    expect(enumLabel('ExposureProgram', 0)).toBe('Not defined')
  })
  it('is null for unknown fields, values and non-numbers', () => {
    expect(enumLabel('Orientation', 9)).toBeNull()
    expect(enumLabel('Orientation', '6')).toBeNull()
    expect(enumLabel('Orientation', 1.5)).toBeNull()
    expect(enumLabel('Make', 1)).toBeNull()
    expect(enumLabel('constructor', 1)).toBeNull()
    expect(enumLabel('__proto__', 1)).toBeNull()
    expect(enumLabel('Orientation', null)).toBeNull()
  })
})

describe('formatFlash', () => {
  it('decodes the bit field', () => {
    expect(formatFlash(0)).toBe('Did not fire')
    expect(formatFlash(1)).toBe('Fired')
    expect(formatFlash(16)).toBe('Did not fire, suppressed')
    expect(formatFlash(9)).toBe('Fired, compulsory')
    expect(formatFlash(24)).toBe('Did not fire, auto')
    expect(formatFlash(25)).toBe('Fired, auto')
    expect(formatFlash(0x59)).toBe('Fired, auto, red-eye reduction')
    expect(formatFlash(0x5f)).toBe('Fired, auto, red-eye reduction, return detected')
    expect(formatFlash(0x05)).toBe('Fired, return not detected')
    expect(formatFlash(0x20)).toBe('No flash function')
    expect(formatFlash(0x21)).toBe('No flash function')
  })
  it('passes through what is not a bit field', () => {
    expect(formatFlash(-1)).toBe('-1')
    expect(formatFlash(1.5)).toBe('1.5')
  })
})

describe('formatValue', () => {
  it('formats each kind of value', () => {
    expect(formatValue(null)).toBe('')
    expect(formatValue(undefined)).toBe('')
    expect(formatValue('Canon')).toBe('Canon')
    expect(formatValue(0.1 + 0.2)).toBe('0.3')
    expect(formatValue(true)).toBe('yes')
    expect(formatValue(false)).toBe('no')
    expect(formatValue(['a', 1, true])).toBe('a, 1, yes')
    expect(formatValue({ a: 1 })).toBe('{"a":1}')
  })
  it('summarises binary placeholders', () => {
    expect(formatValue('(Binary data 12345 bytes, use -b option to extract)')).toBe('binary data, 12 kB')
    expect(formatValue('x (Binary data 5 bytes)')).toBe('x (Binary data 5 bytes)')
  })
  it('leaves hostile strings alone (they are text, not markup)', () => {
    expect(formatValue('<img src=x onerror=alert(1)>')).toBe('<img src=x onerror=alert(1)>')
  })
  it('survives values JSON cannot write', () => {
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect(formatValue(cyclic)).toBe('[object Object]')
    expect(formatValue(10n)).toBe('10')
  })
})

describe('labelFor', () => {
  it('uses known labels', () => {
    expect(labelFor('FNumber')).toBe('Aperture')
    expect(labelFor('Caption-Abstract')).toBe('Caption')
    expect(labelFor('ISO')).toBe('ISO')
  })
  it('splits tag names into words', () => {
    expect(labelFor('FocalLengthIn35mmFormat')).toBe('Focal length in 35mm format')
    expect(labelFor('LensModel')).toBe('Lens model')
    expect(labelFor('GPSImgDirection')).toBe('GPS img direction')
    expect(labelFor('XResolution')).toBe('X resolution')
    expect(labelFor('some_field-name')).toBe('Some field name')
    expect(labelFor('make')).toBe('Make')
  })
  it('always returns a string, also for inherited property names', () => {
    for (const f of ['constructor', 'toString', 'valueOf', '__proto__', 'hasOwnProperty']) {
      expect(typeof labelFor(f)).toBe('string')
    }
    expect(labelFor('constructor')).toBe('Constructor')
    expect(labelFor('toString')).toBe('To string')
  })
})

describe('print conversions after ExifTool', () => {
  it('names the common enumerations', () => {
    expect(enumLabel('Compression', 6)).toBe('JPEG (old-style)')
    expect(enumLabel('Compression', 1)).toBe('Uncompressed')
    expect(enumLabel('EncodingProcess', 0)).toBe('Baseline DCT, Huffman coding')
    expect(enumLabel('EncodingProcess', 2)).toBe('Progressive DCT, Huffman coding')
    expect(enumLabel('MeteringMode', 5)).toBe('Multi-segment')
    expect(enumLabel('LightSource', 0)).toBe('Unknown')
    expect(enumLabel('ExposureProgram', 2)).toBe('Program AE')
    expect(enumLabel('WhiteBalance', 0)).toBe('Auto')
    expect(enumLabel('ColorSpace', 65535)).toBe('Uncalibrated')
    expect(enumLabel('ResolutionUnit', 2)).toBe('inches')
    expect(enumLabel('YCbCrPositioning', 1)).toBe('Centered')
    expect(enumLabel('SceneCaptureType', 0)).toBe('Standard')
    expect(enumLabel('Orientation', 6)).toBe('Rotated 90° clockwise')
    expect(enumLabel('Compression', 12345)).toBeNull()
  })
  it('reads lens info as a focal and aperture range', () => {
    expect(formatLensInfo('1.539999962 6 1.8 2.4')).toBe('1.54-6 mm f/1.8-2.4')
    expect(formatLensInfo([50, 50, 1.8, 1.8])).toBe('50 mm f/1.8')
    expect(formatLensInfo([18, 55, 0, 0])).toBe('18-55 mm')
    expect(formatLensInfo('1 2 3')).toBeNull()
  })
  it('spells out the subject distance sentinels', () => {
    expect(formatSubjectDistance(4294967295)).toBe('infinity')
    expect(formatSubjectDistance(0)).toBe('unknown')
    expect(formatSubjectDistance(1.25)).toBe('1.25 m')
  })
  it('reads subsampling and versions', () => {
    expect(formatSubsampling('2 2')).toBe('YCbCr4:2:0 (2 2)')
    expect(formatSubsampling('3 3')).toBeNull()
    expect(formatVersion('0232')).toBe('2.32')
    expect(formatVersion('abc')).toBeNull()
  })
})
