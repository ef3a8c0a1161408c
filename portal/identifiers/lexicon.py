"""The word lists the rules consult, all compared in lower case.

Kept apart from the rules so they can be read, and tuned against the labelled set,
on their own. ``STOP`` is the heart of it: capitalised words that are not names.
"""

from __future__ import annotations

import re


def words(block: str) -> frozenset[str]:
    return frozenset(block.lower().split())


MONTHS = words(
    """january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec"""
)
WEEKDAYS = words(
    """monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur
    thurs fri sat sun"""
)

# Family and role words. Children first: a name after one of these is a child's.
CHILD_ROLES = words(
    """child children kid kids baby babies son sons daughter daughters brother brothers
    sister sisters sibling siblings half-brother half-sister stepson stepdaughter
    stepbrother stepsister step-son step-daughter step-brother step-sister grandson
    granddaughter grandchild grandchildren nephew niece girl girls boy boys toddler
    toddlers infant infants newborn teenager teen youngster yp cyp twin twins pupil
    eldest youngest oldest"""
)
ADULT_ROLES = words(
    """mother mothers mum mums mummy mam mom father fathers dad dads daddy stepfather
    stepmother stepdad stepmum step-father step-mother step-dad step-mum grandmother
    grandma granny gran nan nana nanna nanny grandfather grandad granddad grandpa
    grandparent grandparents great-grandmother great-grandfather uncle uncles aunt aunts
    auntie aunty cousin cousins carer carers boyfriend girlfriend partner ex-partner
    husband wife ex-husband ex-wife parent parents godmother godfather guardian"""
)
ROLE_WORDS = CHILD_ROLES | ADULT_ROLES

# Capitalised words that are not names: sentence starters, months, social-work terms,
# roles and job titles, organisations and places. Compared in lower case.
FUNCTION_WORDS = words(
    """
    a an the this that these those her his their our my your its he she they we i it you
    him them us me who whom whose what which when where why how and but or so yet nor for
    if then than because although though while whilst after before since until unless as
    at by in on of to from with without within about above below into onto over under
    between through during across around against along among amongst behind beside
    besides beyond despite except like near off out outside inside past per plus towards
    upon via also however therefore meanwhile moreover furthermore nevertheless
    nonetheless otherwise instead still later earlier today tomorrow yesterday tonight now
    next last first second third fourth fifth finally initially afterwards afterward
    overall again already always never often sometimes usually perhaps maybe indeed only
    just even both each every either neither all any some many much most more few several
    other another such same no not yes please thanks thank here there everyone someone
    anyone nobody everybody somebody nothing something anything everything one two three
    four five six seven eight nine ten eleven twelve once twice soon whether whatever
    whenever wherever thus hence else ever very quite rather really actually clearly sadly
    thankfully hopefully unfortunately fortunately interestingly importantly similarly
    additionally consequently currently eventually recently previously subsequently
    ultimately specifically generally reflecting looking having being following given
    throughout regarding re ok okay hi hello dear regards best kind sorry well is was are
    were be been has have had do does did will would could should may might must can
    cannot shall said says told asked felt thought think know knew saw seen met went came
    got made took gave"""
)
PLACES = words(
    """
    london england britain wales scotland ireland europe africa asia uk westminster
    kensington hammersmith fulham camden islington hackney lambeth southwark lewisham
    greenwich tower hamlets newham barking dagenham havering redbridge waltham forest
    enfield haringey barnet harrow brent ealing hounslow hillingdon richmond kingston
    merton sutton croydon bromley bexley wandsworth manchester birmingham leeds liverpool
    bristol sheffield newcastle nottingham leicester coventry bradford kent surrey essex
    sussex hertfordshire norfolk suffolk devon cornwall yorkshire lancashire cumbria
    durham midlands eastmere northbrook southwick tri-borough romania poland somalia
    eritrea afghanistan syria ukraine nigeria ghana jamaica pakistan bangladesh turkey
    iran iraq sudan albania vietnam portugal spain italy france germany westfield
    grenfell paddington notting westway shepherd's bush acton chiswick"""
)
STOP = (
    MONTHS
    | WEEKDAYS
    | ROLE_WORDS
    | FUNCTION_WORDS
    | PLACES
    | words(
        """
    note notes update summary reflection reflections learning
    action actions outcome outcomes background context analysis question questions answer
    feedback comments comment observation session supervision key point points issue
    issues concern concerns strengths strength risks risk needs need voice view views
    wishes feelings hope hopes goal goals good great new old big small young little older younger
    eldest youngest oldest own birth biological maternal paternal extended wider whole
    day days week weeks month months year years morning afternoon evening night weekend
    term half christmas easter eid diwali ramadan hanukkah halloween spring summer autumn lent
    winter holiday holidays bank
    social care worker workers work working manager managers team teams practice
    supervisor educator officer officers lead head headteacher teacher teachers nurse
    nurses midwife midwives doctor doctors gp consultant paediatrician psychologist
    psychiatrist therapist therapists counsellor mentor assessor director directors
    assistant deputy principal senior advanced practitioner practitioners coordinator
    co-ordinator visitor visitors adviser advisor advisers solicitor solicitors barrister
    judge judges magistrate magistrates police constable sergeant inspector detective
    chair reviewing independent student students apprentice apprentices trainee trainees
    volunteer volunteers advocate advocates advocacy interpreter interpreters
    receptionist administrator admin duty caseworker keyworker personal youth family
    families support supported supporting outreach housing benefit benefits probation
    senco dsl educational speech language occupational clinician health mental staff
    colleague colleagues professional professionals agency agencies partner partners
    partnership partnerships network networks hub hubs forum programme project projects
    scheme framework model approach approaches systemic signs safety restorative graded
    profile tool toolkit genogram ecomap chronology chronologies record records recording
    system systems mosaic liquidlogic eclipse protocol act acts regulations guidance
    together legal gateway pre proceedings outline letter letters threshold public law
    private interim final hearing hearings court courts crown county order orders
    assessment assessments section strategy meeting meetings discussion discussions
    enquiry enquiries safeguarding protection plan plans conference conferences review
    reviews reviewed services service looked need early help around centre centres
    panel panels referral referrals contact contacts visit visits statutory initial core
    group groups board boards authority authorities council councils borough city local
    national government department education school schools academy nursery college
    university hospital hospitals clinic ward unit placement placements leaving leavers
    pathway passport allowance credit universal home homes residential fostering foster
    adoption adoptive adopted kinship special guardianship secure missing return
    interview exploitation exploited sexual criminal domestic abuse violence neglect
    harm significant gang gangs lines trafficking modern slavery prevent channel asylum
    seeking unaccompanied refugee refugees office immigration offending justice crime
    minded development developmental disability disabilities autism adhd sen send ehcp
    plan camhs emotional physical wellbeing behaviour attendance exclusion
    attachment trauma therapy play direct parenting parental capacity resilience
    maintenance arrangements payment payments trust foundation charity charities
    ofsted cafcass barnardo barnardos coram nspcc childline frontline step up ahead teach
    ilacs jtai mash edge transition transitions pledge covenant participation
    consultation audit audits data quality performance inspection inspections
    english arabic polish romanian somali urdu bengali portuguese spanish french turkish
    kurdish farsi dari pashto tigrinya amharic albanian punjabi gujarati tamil chinese
    mandarin cantonese russian ukrainian lithuanian latvian bulgarian italian german
    muslim christian catholic jewish hindu sikh buddhist british black white asian mixed
    irish traveller travellers gypsy roma european african caribbean eritrean afghan
    syrian sudanese iraqi iranian kurdish nigerian ghanaian jamaican indian pakistani
    bangladeshi vietnamese brazilian hungarian czech slovak moroccan algerian ethiopian
    yemeni filipino lankan scottish welsh orthodox congolese somalian libyan egyptian
    kosovan serbian croatian bosnian greek cypriot japanese korean reception loss awareness
    street road avenue lane close court house estate park square station town hall door
    space cross aid advice form bowlby winnicott maslow bronfenbrenner piaget vygotsky
    erikson ainsworth kolb freud munro
    minecraft fortnite tiktok instagram snapchat facebook whatsapp youtube
    xbox playstation google teams zoom
    """
    )
)

# Given names common in England across ages and communities, that are rarely anything
# else. Names that are also everyday words or places (Grace, Hope, Will, Mark, Jordan,
# Chelsea, India, Amber) are left out: they are only found next to a role or an age.
COMMON_NAMES = words(
    """
    oliver harry george noah jack leo arthur muhammad mohammed mohammad mohamed ahmed ali
    omar yusuf ibrahim hamza adam oscar charlie jacob thomas james william joshua alfie
    freddie archie henry theo theodore isaac lucas ethan finley logan mason riley dylan
    tyler kai jayden kayden liam callum connor kieran ryan luke daniel samuel benjamin
    joseph alexander jamie lewis reece rhys aaron bradley brandon jake nathan owen tom
    ben danny darren wayne shane craig gary kevin paul steven stephen michael david john
    peter andrew richard robert christopher anthony matthew jason jamal tyrone marcus
    kyle reggie ronnie stanley albert louis louie kian ezra zayn ayaan rayan musa
    harvey jenson jaxon jayson ashton kacper jakub szymon andrei alexandru ionut mateusz
    olivia amelia isla ava mia ivy lily isabella sophia sophie freya emily ella evie
    poppy ruby rosie millie daisy phoebe chloe jessica charlotte hannah lauren megan
    bethany courtney jade kayleigh shannon stacey leanne kerry tracy tracey sharon karen
    donna michelle nicola lisa sarah emma rebecca laura amy rachel claire clare gemma
    natalie samantha katie kelly zoe leah aisha fatima maryam amira zainab hafsa ayesha
    layla nadia chantelle tia tiana keira kayla maisie ellie holly abigail alice elsie
    matilda sienna esme harper aria eva niamh siobhan aoife ciara mary margaret susan
    julie joanne kirsty hayley jodie danielle demi paige oliwia zuzanna ioana elena
    shanice jasmine yasmin precious destiny kacey lacey tianna leighton kayden
    """
)

# Stop words that are also given names: a name only right next to a role word or an age
# ("Summer, the youngest"), and not after "this", "in", "the" and the like.
WORD_NAMES = words("summer autumn hope faith joy")
# Adverbs look like nothing else capitalised at a sentence's start: "Honestly, ...".
ADVERB_ENDINGS = (
    "ally", "ately", "ently", "antly", "ously", "ively", "fully", "ably", "ibly", "ingly",
    "edly", "ictly", "ectly", "ually", "tely",
)  # fmt: skip
# Given names that are also places or words: a name unless after "in", "from", "the" ...
GUARDED_NAMES = words("grace jordan chelsea india georgia florence")
GUARDS = words(
    """in from to via at near across through around of the a an visit visited visiting fled
    left by"""
)

# Multi-word phrases that contain name-like words but are not a person's name.
NOT_A_NAME = re.compile(
    r"Kensington\s+(?:and|&)\s+Chelsea|Chelsea\s+(?:and|&)\s+Westminster"
    r"|(?:Clare|Sarah)['’]s\s+Law|Baby\s+P\b|Victoria\s+Climbi[ée]|Peter\s+Connelly"
    r"|Daniel\s+Pelka|Arthur\s+Labinjo-Hughes|Star\s+Hobson|Logan\s+Mwangi|Finley\s+Boden"
    r"|Khyra\s+Ishaq|(?<![\w.])St\.?\s+\w+|Saint\s+\w+|Queen\s+\w+|King\s+\w+"
    r"|Prince(?:ss)?\s+\w+|Duke\s+of\s+\w+",
)

# Words after a name that make it a place, an organisation or an event ("Thomas Coram
# Centre", "Baby Loss Awareness Week").
ORG_AFTER = words(
    """hospital house centre center road street lane avenue close court school primary
    academy college nursery trust foundation unit ward park square estate library church
    mosque temple gurdwara synagogue hall hub clinic surgery practice building tower
    gardens place way drive grove terrace crescent mews week day month group project
    service services team plan bank fund scheme programme network awareness campaign
    appeal club cafe café festival fair award awards act law review charity partnership
    board forum"""
)

# --- Places and schools -----------------------------------------------------------------

# "2 Family Court hearings", "4 March House" are not addresses.
COURT_TYPES = words("family crown county youth magistrates magistrates' high supreme appeal")
NOT_STREET = MONTHS | WEEKDAYS | words("section year years weeks months days times visits")

# Words that may be part of a school's name but do not name one on their own.
SCHOOL_MODIFIERS = words(
    """c e of ce rc c.e. r.c. cofe church england catholic roman methodist jewish islamic
    muslim sikh hindu christian community foundation free primary secondary junior infant
    infants high middle first upper lower nursery day special st st. saint va vc
    voluntary aided controlled girls boys girls' boys' prep preparatory grammar and &
    the"""
)
# Words that end a school's name, reading backwards ("attends the Oakfield Primary").
SCHOOL_STOP = (
    MONTHS
    | WEEKDAYS
    | ROLE_WORDS
    | (FUNCTION_WORDS - SCHOOL_MODIFIERS)
    | words(
        """attends attended attending joined left starts started moved local new
    current previous old former same other another each every which what whose any some
    mainstream virtual forest sunday summer night home boarding private state independent
    faith alternative provision year years reception key stage designated safeguarding
    lead head headteacher teacher teachers staff senco dsl police social work worker
    practice learning leadership teaching frontline step up think ahead football music
    dance drama art sports driving language english maths science family families
    parenting parents mum's dad's when while whilst after before since until if because
    so but i we she he they it you also then now today yesterday christmas easter term
    holiday holidays early further education higher fe royal national open sure start
    ofsted outstanding good requires improvement inadequate local hospital"""
    )
)

# After one of these, "Oakfield, the children ..." is a place, not a name.
PLACE_PREPOSITIONS = words("at in near across within around throughout")
