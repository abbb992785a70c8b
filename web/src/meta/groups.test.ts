import { describe, it, expect } from 'vitest'
import type { Image } from '../api/client'
import { cameraLine, groupMetadata, warningsOf, type Group, type Row } from './groups'

const ID = '01HZX3K4M5N6P7Q8R9S0T1V2W3'

function image(metadata: Record<string, unknown>, over: Partial<Image> = {}): Image {
  return {
    imageId: ID,
    filename: 'IMG_0001.JPG',
    contentType: 'image/jpeg',
    size: 2_500_000,
    sha256: 'ab'.repeat(32),
    status: 'ready',
    error: null,
    uploadedAt: '2021-04-12T08:00:00Z',
    metadata,
    ...over,
  } as Image
}

function group(groups: Group[], id: Group['id']): Group | undefined {
  return groups.find((g) => g.id === id)
}

function row(groups: Group[], label: string): Row | undefined {
  for (const g of groups) for (const r of g.rows) if (r.label === label) return r
  return undefined
}

/** Every metadata field a row names, over all groups. */
function shownFields(groups: Group[]): string[] {
  return groups.flatMap((g) => g.rows.flatMap((r) => r.fields))
}

describe('groupMetadata', () => {
  it('always has the file section, and leaves empty sections out', () => {
    const g = groupMetadata(image({}))
    expect(g.map((x) => x.id)).toEqual(['file'])
    const file = g[0]!
    expect(file.rows.find((r) => r.label === 'File name')?.value).toBe('IMG_0001.JPG')
    expect(file.rows.find((r) => r.label === 'File size')?.value).toBe('2.5 MB (2,500,000 bytes)')
    expect(file.rows.find((r) => r.label === 'SHA-256')?.value).toBe('ab'.repeat(32))
    expect(file.rows.find((r) => r.label === 'Image ID')?.value).toBe(ID)
  })

  it('leaves out the SHA-256 row when there is none', () => {
    expect(row(groupMetadata(image({}, { sha256: null })), 'SHA-256')).toBeUndefined()
  })

  it('copes with metadata that is not an object', () => {
    for (const m of [null, undefined, 'oops', 42]) {
      const g = groupMetadata(image({}, { metadata: m as unknown as Image['metadata'] }))
      expect(g.map((x) => x.id)).toEqual(['file'])
    }
  })

  it('keeps sections in reading order', () => {
    const g = groupMetadata(
      image({
        Make: 'Canon',
        ExposureTime: 0.008,
        DateTimeOriginal: '2021:04:11 15:47:53',
        GPSLatitude: 1,
        GPSLongitude: 2,
        Title: 't',
        ColorSpace: 1,
        Zzz: 'z',
      }),
    )
    // When, where and with what first; the file and its checksum below.
    expect(g.map((x) => x.id)).toEqual(['camera', 'exposure', 'dates', 'location', 'description', 'colour', 'file', 'other'])
  })

  it('formats camera and exposure values', () => {
    const g = groupMetadata(
      image({
        Make: 'Canon',
        Model: 'Canon EOS 40D',
        FocalLength: 50,
        FocalLengthIn35mmFormat: 80,
        ExposureTime: 0.008,
        FNumber: 2.8,
        ISO: 400,
        ExposureProgram: 3,
        ExposureCompensation: -0.6666667,
        Flash: 16,
        MeteringMode: 5,
        DigitalZoomRatio: 0,
      }),
    )
    expect(row(g, 'Shutter speed')?.value).toBe('1/125 s')
    expect(row(g, 'Aperture')?.value).toBe('f/2.8')
    expect(row(g, 'ISO')?.value).toBe('ISO 400')
    expect(row(g, 'Exposure program')?.value).toBe('Aperture priority')
    expect(row(g, 'Exposure compensation')?.value).toBe('-0.67 EV')
    expect(row(g, 'Flash')?.value).toBe('Did not fire, suppressed')
    expect(row(g, 'Metering mode')?.value).toBe('Multi-segment')
    expect(row(g, 'Focal length')?.value).toBe('50 mm')
    expect(row(g, 'Focal length (35 mm equivalent)')?.value).toBe('80 mm')
    expect(row(g, 'Digital zoom ratio')?.value).toBe('not used')
    expect(group(g, 'other')).toBeUndefined()
  })

  it('reads numbers given as strings, and shows other strings as they are', () => {
    const g = groupMetadata(image({ FNumber: '4', ExposureTime: 'fast', ISO: '1e3', Flash: '<b>' }))
    expect(row(g, 'Aperture')?.value).toBe('f/4')
    expect(row(g, 'Shutter speed')?.value).toBe('fast')
    expect(row(g, 'ISO')?.value).toBe('ISO 1000')
    expect(row(g, 'Flash')?.value).toBe('<b>')
  })

  it('shows a non-integer ISO rounded, not truncated', () => {
    expect(row(groupMetadata(image({ ISO: 99.6 })), 'ISO')?.value).toBe('ISO 100')
  })

  it('shows dimensions from the metadata, else from the record', () => {
    expect(row(groupMetadata(image({ ImageWidth: 4000, ImageHeight: 3000 })), 'Dimensions')?.value).toBe('4000 × 3000 pixels')
    expect(row(groupMetadata(image({}, { width: 640, height: 480 })), 'Dimensions')?.value).toBe('640 × 480 pixels')
    expect(row(groupMetadata(image({ ImageWidth: 'wide' })), 'Dimensions')).toBeUndefined()
  })

  it('shows the display size only when it differs', () => {
    expect(row(groupMetadata(image({ ImageWidth: 10, ImageHeight: 20, DisplayWidth: 10, DisplayHeight: 20 })), 'Shown as')).toBeUndefined()
    const g = groupMetadata(image({ ImageWidth: 10, ImageHeight: 20, DisplayWidth: 20, DisplayHeight: 40 }))
    expect(row(g, 'Shown as')?.value).toBe('20 × 40 pixels')
    expect(group(g, 'other')).toBeUndefined()
  })

  it('shows resolution with its unit', () => {
    expect(row(groupMetadata(image({ XResolution: 72, YResolution: 72, ResolutionUnit: 2 })), 'Resolution')?.value).toBe('72 dpi')
    expect(row(groupMetadata(image({ XResolution: 300, YResolution: 150, ResolutionUnit: 3 })), 'Resolution')?.value).toBe('300 × 150 per cm')
    expect(row(groupMetadata(image({ XResolution: 1, YResolution: 1 })), 'Resolution')?.value).toBe('1')
  })

  it('shows dates with their time zone and UTC', () => {
    const g = groupMetadata(
      image({
        DateTimeOriginal: '2021:04:11 15:47:53',
        OffsetTimeOriginal: '-05:00',
        SubSecTimeOriginal: '12',
        DateTimeOriginalUTC: '2021-04-11T20:47:53.000Z',
        CreateDate: '2021:04:11 15:47:53',
        ModifyDate: '2021:04:12 09:00:00',
        ModifyDateTimeZone: '+02:00',
      }),
    )
    const taken = row(g, 'Taken')
    expect(taken?.value).toBe('2021-04-11 15:47:53.12 (UTC-05:00)')
    expect(taken?.detail).toBe('2021-04-11 20:47:53 UTC')
    expect(row(g, 'Digitised')?.value).toBe('2021-04-11 15:47:53 (time zone not recorded)')
    expect(row(g, 'Modified')?.value).toBe('2021-04-12 09:00:00 (UTC+02:00)')
    expect(group(g, 'other')).toBeUndefined()
  })

  it('ignores a malformed offset field', () => {
    const g = groupMetadata(image({ DateTimeOriginal: '2021:04:11 15:47:53', OffsetTimeOriginal: 'soon' }))
    expect(row(g, 'Taken')?.value).toBe('2021-04-11 15:47:53 (time zone not recorded)')
  })

  it('shows GPS time in UTC, from the stamp or the combined field', () => {
    expect(row(groupMetadata(image({ GPSDateStamp: '2021:04:11', GPSTimeStamp: '20:47:53' })), 'GPS time')?.value).toBe(
      '2021-04-11 20:47:53 (UTC)',
    )
    expect(row(groupMetadata(image({ GPSDateTime: '2021:04:11 20:47:53Z' })), 'GPS time')?.value).toBe('2021-04-11 20:47:53 (UTC)')
  })

  it('joins the IPTC date and time', () => {
    const g = groupMetadata(image({ DateCreated: '2021:04:11', TimeCreated: '15:47:53+01:00' }))
    expect(row(g, 'Created (IPTC/XMP)')?.value).toBe('2021-04-11 15:47:53 (UTC+01:00)')
  })

  it('shows coordinates with DMS and a map link made of numbers only', () => {
    const g = groupMetadata(image({ GPSLatitude: 54.989667, GPSLongitude: -1.914167, GPSLatitudeRef: 'N', GPSPosition: 'x', GPSAltitude: 12.34, GPSAltitudeRef: 1 }))
    const c = row(g, 'Coordinates')
    expect(c?.value).toBe('54.989667, -1.914167')
    expect(c?.detail).toBe('54° 59′ 22.8″ N, 1° 54′ 51.0″ W')
    expect(c?.link?.href).toBe('https://www.openstreetmap.org/?mlat=54.989667&mlon=-1.914167#map=15/54.989667/-1.914167')
    expect(row(g, 'Altitude')?.value).toBe('12.3 m below sea level')
    expect(group(g, 'other')).toBeUndefined()
  })

  it('does not make a map link from invalid or hostile coordinates', () => {
    for (const [lat, lon] of [
      [91, 0],
      ['54.9" onmouseover="alert(1)', '1'],
      [Number.NaN, 1],
    ]) {
      const g = groupMetadata(image({ GPSLatitude: lat, GPSLongitude: lon }))
      expect(row(g, 'Coordinates')).toBeUndefined()
      expect(g.flatMap((x) => x.rows).some((r) => r.link)).toBe(false)
    }
  })

  it('shows direction and speed with their references', () => {
    const g = groupMetadata(image({ GPSImgDirection: 123.456, GPSImgDirectionRef: 'M', GPSSpeed: 5, GPSSpeedRef: 'N' }))
    expect(row(g, 'Facing')?.value).toBe('123.5° from magnetic north')
    expect(row(g, 'Speed')?.value).toBe('5 knots')
    const t = groupMetadata(image({ GPSImgDirection: 10, GPSSpeed: 5 }))
    expect(row(t, 'Facing')?.value).toBe('10° from true north')
    expect(row(t, 'Speed')?.value).toBe('5 km/h')
  })

  it('lists every unclaimed field under other, sorted, with its raw name', () => {
    const g = groupMetadata(image({ Zeta: 'z', Alpha: 'a', Empty: '  ', Nothing: null, EmptyList: [], SourceFile: 'x', ExifToolVersion: 12.5, Warning: 'w' }))
    const other = group(g, 'other')
    expect(other?.rows.map((r) => [r.label, r.value])).toEqual([
      ['Alpha', 'a'],
      ['Zeta', 'z'],
    ])
  })

  it('shows each field at most once', () => {
    const meta = {
      Make: 'Canon',
      Model: 'EOS',
      ImageWidth: 1,
      ImageHeight: 2,
      DateTimeOriginal: '2021:04:11 15:47:53',
      OffsetTimeOriginal: '+01:00',
      GPSLatitude: 1,
      GPSLongitude: 2,
      GPSAltitude: 3,
      ColorSpace: 1,
      Title: 't',
      Extra: 'e',
    }
    const fields = shownFields(groupMetadata(image(meta)))
    expect(new Set(fields).size).toBe(fields.length)
    for (const k of Object.keys(meta)) expect(fields).toContain(k)
  })

  it('keeps hostile strings as plain values and field names as labels', () => {
    const evil = '<img src=x onerror=alert(1)>'
    const g = groupMetadata(image({ Title: evil, [evil]: evil, constructor: 'c', __proto__x: 1 }, { filename: evil }))
    expect(row(g, 'Title')?.value).toBe(evil)
    expect(row(g, 'File name')?.value).toBe(evil)
    expect(row(g, evil)?.value).toBe(evil)
    expect(row(g, 'constructor')?.value).toBe('c')
    for (const r of g.flatMap((x) => x.rows)) {
      expect(typeof r.label).toBe('string')
      expect(typeof r.value).toBe('string')
    }
  })

  it('survives a metadata object parsed from JSON with a __proto__ key', () => {
    const meta = JSON.parse('{"__proto__": {"polluted": 1}, "Make": "Canon"}') as Record<string, unknown>
    const g = groupMetadata(image(meta))
    expect(row(g, 'Make')?.value).toBe('Canon')
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('formats lists and binary placeholders', () => {
    const g = groupMetadata(image({ Keywords: ['sea', 'sky'], ThumbnailImage: '(Binary data 5120 bytes, use -b option to extract)' }))
    expect(row(g, 'Keywords')?.value).toBe('sea, sky')
    expect(row(g, 'ThumbnailImage')?.value).toBe('binary data, 5.1 kB')
  })
})

describe('cameraLine', () => {
  it('does not repeat the make', () => {
    expect(cameraLine('Canon', 'Canon EOS 40D')).toBe('Canon EOS 40D')
    expect(cameraLine('Apple', 'iPhone 7')).toBe('Apple iPhone 7')
    expect(cameraLine('NIKON CORPORATION', 'NIKON D750')).toBe('NIKON D750')
    expect(cameraLine('  Sony ', ' ILCE-7M3 ')).toBe('Sony ILCE-7M3')
  })
  it('copes with missing parts', () => {
    expect(cameraLine('', 'X100F')).toBe('X100F')
    expect(cameraLine('FUJIFILM', null)).toBe('FUJIFILM')
    expect(cameraLine(undefined, 42)).toBeNull()
    expect(cameraLine('  ', '')).toBeNull()
  })
})

describe('warningsOf', () => {
  it('reads one warning or a list of them', () => {
    expect(warningsOf(image({ Warning: 'Bad IFD' }))).toEqual(['Bad IFD'])
    expect(warningsOf(image({ Warning: ['a', '', 3, 'b'] }))).toEqual(['a', 'b'])
    expect(warningsOf(image({}))).toEqual([])
    expect(warningsOf(image({ Warning: '' }))).toEqual([])
    expect(warningsOf(image({ Warning: { x: 1 } }))).toEqual([])
    expect(warningsOf(image({}, { metadata: undefined as unknown as Image['metadata'] }))).toEqual([])
  })
})
